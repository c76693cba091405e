package dev.thinktune.report;

import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.MetricsLog;
import dev.thinktune.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunReportTest {
    @TempDir
    Path tmp;

    /** Steps 1-2 guided: the teacher was asked for 2 answers a step and one of step 2's failed. */
    private Path metrics(Path dir) {
        Path f = dir.resolve("metrics.csv");
        try (MetricsLog log = new MetricsLog(f)) {
            for (int step = 1; step <= 4; step++) {
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("step", (double) step);
                m.put("reward/mean", 0.1 * step);
                m.put("accuracy", 0.05 * step);
                m.put("kl", 0.01 * step);
                boolean guided = step <= 2;
                m.put("guidance/scheduled_fraction", guided ? 1.0 : 0.0);
                m.put("guided_fraction", step == 1 ? 2 / 32.0 : step == 2 ? 1 / 32.0 : 0.0);
                m.put("teacher/selected", guided ? 2.0 : 0.0);
                m.put("teacher/failures", step == 2 ? 1.0 : 0.0);
                m.put("teacher/parse_failures", 0.0);
                m.put("teacher/truncated", 0.0);
                if (step == 2) {
                    m.put("eval/accuracy", 0.31);
                }
                log.append(m);
            }
        }
        return f;
    }

    @Test
    void theReportStatesTheSettingsTheAchievedGuidanceAndLinksTheRunsFiles() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("runs/quick"));
        Files.writeString(dir.resolve("samples.jsonl"), "{\"step\":1}\n");
        TrainConfig cfg = ConfigLoader.load(List.of("output_dir=" + dir, "model.path=models/arith-tiny",
                "training.steps=4", "training.questions_per_step=4", "rollout.n=8", "guidance.k=2", "guidance.gamma=1",
                "optimizer.lr=0.00005", "objective.beta=0.001"));
        Path report = RunReport.write(dir, RunReport.title(cfg),
                List.of(new RunReport.Run("thinktune", cfg, metrics(dir), 0.30, 0.325)), List.of());
        String md = Files.readString(report);
        assertTrue(md.startsWith("# ThinkTuning run: " + dir + "\n"), md);
        assertTrue(md.contains("| thinktune | 4 | 30.0% | 32.5% | 0.4000 | 0.0400 |"), md);
        for (String row : List.of("| model | `models/arith-tiny` |", "| mode | thinktune |", "| steps | 4 |",
                "| questions per step x answers (n) | 4 x 8 |", "| guided steps (k) | 2 |",
                "| answers guided per group (gamma) | 1 (constant) |", "| teacher | reference |",
                "| learning rate | 0.00005 |", "| KL weight (beta) | 0.001 |")) {
            assertTrue(md.contains(row), row + " in\n" + md);
        }
        assertTrue(md.contains("greedy; prompt: training-prompt (the question as train asks it"), md);
        // 3 of the 64 responses of the 2 guided steps; the teacher was asked for 4 and 1 failed
        assertTrue(md.contains("achieved guided fraction **0.047** (3 of 64 responses on its 2 guided steps; gamma 1"
                + " of n 8 asks for up to 0.125). The teacher was asked for 4; 1 failed (1 errors or timeouts, 0 replies"
                + " that did not parse)"), md);
        assertTrue(md.contains("`teacher_failure`"), md);
        assertTrue(md.contains("[samples.jsonl](samples.jsonl), [metrics.csv](metrics.csv)"), md);
        for (String png : List.of("reward.png", "accuracy.png", "kl.png", "heldout_accuracy.png")) {
            assertTrue(Files.size(dir.resolve(png)) > 1000, png);
            assertTrue(md.contains("[" + png + "](" + png + ")") && md.contains("](" + png + ")\n"), png);
        }
        assertTrue(md.contains("The dashed line marks where guidance ends."), md);
        assertFalse(md.contains("thinktune thinktune"), md);
    }

    @Test
    void chartsMarkWhereGuidanceEndsAndHeldOutPointsSpanTheRun() {
        Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
        runs.put("thinktune", List.of(Map.of("step", 1.0, "kl", 0.02), Map.of("step", 2.0, "kl", 0.14)));
        XYChart chart = Charts.chart("KL", "kl", runs, List.of(new Charts.Marker(10.5, "guidance ends after step 10")));
        assertTrue(chart.getSeriesMap().containsKey("guidance ends after step 10"));
        assertArrayEquals(new double[]{10.5, 10.5}, chart.getSeriesMap().get("guidance ends after step 10").getXData());
        assertArrayEquals(new double[]{0.02, 0.14}, chart.getSeriesMap().get("guidance ends after step 10").getYData(),
                1e-12, "the marker spans the data");
        assertEquals(null, Charts.chart("KL", "missing", runs, List.of()));
    }

    @Test
    void tickLabelsHaveALeadingZeroAndOneNumberOfDecimals() {
        assertEquals("0.00", Charts.decimalPattern(0, 0.15));
        assertEquals("0.0", Charts.decimalPattern(0.1, 0.9));
        assertEquals("0", Charts.decimalPattern(0, 200));
        assertEquals("0.0##E0", Charts.decimalPattern(0, 2e-5));
        DecimalFormat f = new DecimalFormat(Charts.decimalPattern(0, 0.15));
        assertEquals(List.of("0.05", "0.10", "0.15"), List.of(f.format(0.05), f.format(0.1), f.format(0.15)));
    }
}
