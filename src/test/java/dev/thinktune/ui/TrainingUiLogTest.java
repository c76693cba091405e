package dev.thinktune.ui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.graph.ui.LogFileWriter.EventSubtype;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training log on a small hand-built graph: the ThinkTuning metrics first and guided steps marked, histograms
 * per parameter type, replacing, failing softly.
 */
class TrainingUiLogTest {

    @TempDir
    Path dir;

    private static SameDiff graph() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        SDVariable w = sd.var("w", Nd4j.linspace(-1.0, 1.0, 12, DataType.FLOAT).reshape(4, 3));
        sd.var("half", Nd4j.linspace(-2.0, 2.0, 8, DataType.FLOAT).castTo(DataType.BFLOAT16));
        sd.var("ones", Nd4j.ones(DataType.FLOAT, 5));
        x.mmul(w).sum("out");
        return sd;
    }

    @Test
    void histogramsCoverEveryParameterWithAllItsValues() {
        Path f = dir.resolve("h.sdlog");
        try (TrainingUiLog log = TrainingUiLog.create(f, graph(), 3)) {
            for (int step = 1; step <= 6; step++) {
                log.onStep(step, Map.of("loss", 1.0 / step));
            }
        }
        UiLog l = UiLog.read(f);
        UiLog.HistogramEvent w = l.histograms().get("params/w").get(0);
        assertEquals(List.of(1, 3, 6), l.histograms().get("params/w").stream().map(UiLog.HistogramEvent::iteration).toList());
        assertEquals(-1.0, w.min(), 1e-6);
        assertEquals(1.0, w.max(), 1e-6);
        assertEquals(12.0, java.util.Arrays.stream(w.counts()).sum());
        assertEquals(1.0, w.counts()[0]);                                   // -1 alone in the first bin
        assertEquals(8.0, java.util.Arrays.stream(l.histograms().get("params/half").get(0).counts()).sum());
        UiLog.HistogramEvent ones = l.histograms().get("params/ones").get(0);
        assertTrue(ones.min() < 1.0 && ones.max() > 1.0);
        assertEquals(5.0, ones.counts()[TrainingUiLog.HISTOGRAM_BINS / 2]);
        assertTrue(l.graph().inputs().contains("x"));
        assertEquals(6, l.scalars().get("loss").size());
    }

    @Test
    void theThinkTuningMetricsAreNamedFirstAndGuidedStepsAreMarked() {
        Path f = dir.resolve("tt.sdlog");
        try (TrainingUiLog log = TrainingUiLog.create(f, graph(), 0)) {
            for (int step = 1; step <= 4; step++) {
                boolean guided = step % 2 == 0;
                Map<String, Double> m = new LinkedHashMap<>();   // the trainer's order, not the charts'
                m.put("step", (double) step);
                m.put("accuracy", 0.1 * step);
                m.put("completion/length_mean", 40.0 + step);
                m.put("loss", 1.0 / step);
                m.put("reward/mean", 0.2 * step);
                m.put("clip_ratio", 0.01 * step);
                m.put("kl", 0.001 * step);
                m.put("aas/weight_mean", guided ? 0.5 + 0.1 * step : Double.NaN);
                m.put("aas/masked_tokens", guided ? 3.0 : 0.0);
                m.put("guided_fraction", guided ? 0.25 : 0.0);
                m.put("teacher/failures", step == 4 ? 1.0 : 0.0);
                m.put("time/rollout", 2.0);
                log.onStep(step, m);
            }
        }
        UiLog l = UiLog.read(f);
        List<String> first = List.of("reward/mean", "accuracy", "kl", "clip_ratio", "aas/weight_mean",
                "aas/masked_tokens", "guided_fraction", "teacher/failures", TrainingUiLog.GUIDED_STEP);
        assertEquals(first, l.names().subList(0, first.size()), "the charts lead with the ThinkTuning metrics");
        assertEquals(List.of("completion/length_mean", "loss", "time/rollout"),
                l.names().subList(first.size(), l.names().size()));
        assertEquals(List.of(0.0, 1.0, 0.0, 1.0), values(l, TrainingUiLog.GUIDED_STEP), "1 on guided steps");
        assertEquals(List.of(1, 2, 3, 4), l.scalars().get(TrainingUiLog.GUIDED_STEP).stream()
                .map(UiLog.Scalar::iteration).toList());
        assertEquals(List.of(0.7, 0.9), values(l, "aas/weight_mean"), "unguided steps have no AAS weight");
        assertEquals(List.of(2, 4), l.scalars().get("aas/weight_mean").stream().map(UiLog.Scalar::iteration).toList());
        assertEquals(List.of(0.2, 0.4, 0.2 * 3, 0.8), values(l, "reward/mean"));
        assertEquals(List.of(0.0, 3.0, 0.0, 3.0), values(l, "aas/masked_tokens"));
        assertEquals(List.of(0.0, 0.0, 0.0, 1.0), values(l, "teacher/failures"));
        assertEquals(List.of(0.0, 0.25, 0.0, 0.25), values(l, "guided_fraction"));
    }

    @Test
    void aRunWithoutGuidanceFractionWritesNoGuidedSeries() {
        Path f = dir.resolve("sft.sdlog");
        try (TrainingUiLog log = TrainingUiLog.create(f, graph(), 0)) {
            log.onStep(1, Map.of("loss", 1.0));
        }
        assertEquals(List.of("loss"), List.copyOf(UiLog.read(f).scalars().keySet()));
    }

    private static List<Double> values(UiLog l, String name) {
        return l.scalars().get(name).stream().map(UiLog.Scalar::value).toList();
    }

    @Test
    void createReplacesAnOldLog() throws Exception {
        Path f = dir.resolve("again.sdlog");
        try (TrainingUiLog log = TrainingUiLog.create(f, graph(), 1)) {
            log.onStep(1, Map.of("loss", 1.0));
        }
        try (TrainingUiLog log = TrainingUiLog.create(f, graph(), 0)) {
            log.onStep(1, Map.of("kl", 0.5));
        }
        UiLog l = UiLog.read(f);
        assertEquals(List.of("kl"), List.copyOf(l.scalars().keySet()));
        assertTrue(l.histograms().isEmpty());
        assertEquals(Files.size(f), l.bytes());
    }

    @Test
    void aWriteFailureEndsTheLogWithoutStoppingTraining() throws Exception {
        Path f = dir.resolve("gone.sdlog");
        TrainingUiLog log = TrainingUiLog.create(f, graph(), 0);
        log.onStep(1, Map.of("loss", 1.0));
        Files.delete(f);
        Files.createDirectory(f);                       // the next append cannot open the file
        log.onStep(2, Map.of("loss", 0.5));             // no exception reaches the trainer
        Files.delete(f);
        log.onStep(3, Map.of("loss", 0.25));            // and the log stays closed
        assertTrue(Files.notExists(f));
        log.close();
    }

    @Test
    void subtypesFollowNd4jsOwnListener() {
        assertEquals(EventSubtype.LOSS, TrainingUiLog.subtype("loss"));
        assertEquals(EventSubtype.LEARNING_RATE, TrainingUiLog.subtype("lr"));
        assertEquals(EventSubtype.PERFORMANCE, TrainingUiLog.subtype("time/rollout"));
        assertEquals(EventSubtype.PERFORMANCE, TrainingUiLog.subtype("train_tokens_per_s"));
        assertEquals(EventSubtype.EVALUATION, TrainingUiLog.subtype("accuracy"));
        assertEquals(EventSubtype.NONE, TrainingUiLog.subtype("reward/mean"));
    }

    @Test
    void completeLengthStopsBeforeAPartialRecord() {
        byte[] two = {0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0};
        assertEquals(11, UiLog.completeLength(java.util.Arrays.copyOf(two, 11)));
        assertEquals(19, UiLog.completeLength(two));
        assertEquals(11, UiLog.completeLength(java.util.Arrays.copyOf(two, 18)));
        assertEquals(0, UiLog.completeLength(new byte[]{(byte) 0xff, 0, 0, 0, 0, 0, 0, 0}));
        assertArrayEquals(new byte[0], java.util.Arrays.copyOf(two, UiLog.completeLength(new byte[5])));
    }
}
