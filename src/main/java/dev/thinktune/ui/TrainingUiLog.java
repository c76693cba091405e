package dev.thinktune.ui;

import dev.thinktune.train.MetricsLog;
import dev.thinktune.train.StepListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.graph.ui.LogFileWriter;
import org.nd4j.graph.ui.LogFileWriter.EventSubtype;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.Histogram;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training run's SameDiff UI log. The trainer applies its own AdamW instead of {@code SameDiff.fit}, so ND4J's
 * {@code UIListener} never hears of an iteration; this listener writes the same file format itself: the graph
 * (with the loss) once, then for each step one scalar event per metric (the x axis of the Plots tab is the step)
 * and, at step 1 and every {@code histogramEvery} steps, a histogram of every parameter.
 *
 * <p>Scalar events carry the trainer's metric names unchanged ({@code loss}, {@code reward/mean}, {@code kl},
 * {@code lr}, ...), so the charts and the metrics CSV agree. {@code step} is the x axis and is not charted;
 * values that are not finite (a step without updates reports NaN) are left out, as a chart cannot draw them.
 * The ThinkTuning quantities ({@link #THINKTUNING_METRICS}) are named first, before any step, so the Plots tab
 * leads with them in that order, and each step also writes {@value #GUIDED_STEP}: 1 on a guided step (a teacher's
 * text entered the batch, {@code guided_fraction > 0}), 0 on the others; the page shades those steps on every
 * chart. Parameter histograms are named {@code params/<variable>} (Hugging Face tensor names).
 *
 * <p>Writing must never stop training: an I/O error is reported once as a warning and the log stops.
 */
public final class TrainingUiLog implements StepListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrainingUiLog.class);

    /** Steps between parameter histograms unless told otherwise. */
    public static final int DEFAULT_HISTOGRAM_EVERY = 10;
    /** Bins per parameter histogram. */
    public static final int HISTOGRAM_BINS = 30;
    /** Prefix of the parameter histogram names. */
    public static final String HISTOGRAM_PREFIX = "params/";
    /**
     * The metrics that show what ThinkTuning does, in chart order: reward, accuracy, KL, clip ratio, AAS weight
     * mean, masked tokens, guided fraction, teacher failures (the trainer's names, as in metrics.csv).
     */
    public static final List<String> THINKTUNING_METRICS = List.of("reward/mean", "accuracy", "kl", "clip_ratio",
            "aas/weight_mean", "aas/masked_tokens", "guided_fraction", "teacher/failures");
    /** The series that is 1 on guided steps and 0 on the others (written when the step reports guided_fraction). */
    public static final String GUIDED_STEP = "guided_step";
    private static final String GUIDED_FRACTION = "guided_fraction";

    private final Path file;
    private final SameDiff graph;
    private final int histogramEvery;
    private final LogFileWriter writer;
    private boolean closed;

    private TrainingUiLog(Path file, SameDiff graph, int histogramEvery) {
        if (histogramEvery < 0) {
            throw new IllegalArgumentException("histogramEvery must be >= 0 (0: no histograms), got " + histogramEvery);
        }
        this.file = file;
        this.graph = graph;
        this.histogramEvery = histogramEvery;
        this.writer = GraphLogWriter.create(file, graph);
        try {
            for (String name : THINKTUNING_METRICS) {
                register(name);
            }
            register(GUIDED_STEP);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the UI log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts the log of a run at {@code logFile} (replacing it) with {@code graph}'s structure, parameter
     * histograms every {@value #DEFAULT_HISTOGRAM_EVERY} steps. Register the result with
     * {@code trainer.addListener(...)} and close it when the run ends.
     */
    public static TrainingUiLog create(Path logFile, SameDiff graph) {
        return new TrainingUiLog(logFile, graph, DEFAULT_HISTOGRAM_EVERY);
    }

    /** As {@link #create(Path, SameDiff)}, with histograms every {@code histogramEvery} steps (0: none). */
    public static TrainingUiLog create(Path logFile, SameDiff graph, int histogramEvery) {
        return new TrainingUiLog(logFile, graph, histogramEvery);
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void onStep(int step, Map<String, Double> metrics) {
        if (closed) {
            return;
        }
        try {
            long time = System.currentTimeMillis();
            Map<String, Double> ordered = new LinkedHashMap<>();
            for (String name : THINKTUNING_METRICS) {
                if (metrics.containsKey(name)) {
                    ordered.put(name, metrics.get(name));
                }
            }
            Double guided = metrics.get(GUIDED_FRACTION);
            if (guided != null && Double.isFinite(guided)) {
                ordered.put(GUIDED_STEP, guided > 0 ? 1.0 : 0.0);
            }
            metrics.forEach(ordered::putIfAbsent);
            for (Map.Entry<String, Double> e : ordered.entrySet()) {
                Double v = e.getValue();
                if ("step".equals(e.getKey()) || v == null || !Double.isFinite(v)) {
                    continue;
                }
                register(e.getKey());
                writer.writeScalarEvent(e.getKey(), subtype(e.getKey()), time, step, 0, v);
            }
            if (histogramEvery > 0 && (step == 1 || step % histogramEvery == 0)) {
                writeParameterHistograms(step, time);
            }
        } catch (IOException | RuntimeException e) {
            closed = true;
            log.warn("UI log {} stopped at step {}: {}", file, step, e.toString());
        }
    }

    private void register(String name) throws IOException {
        if (!writer.registeredEventName(name)) {
            writer.registerEventName(name);
        }
    }

    private void writeParameterHistograms(int step, long time) throws IOException {
        for (SDVariable v : parameters()) {
            INDArray arr = v.getArr();
            if (arr == null || arr.isEmpty() || !arr.dataType().isFPType()) {
                continue;
            }
            double min = arr.minNumber().doubleValue();
            double max = arr.maxNumber().doubleValue();
            if (!Double.isFinite(min) || !Double.isFinite(max)) {
                continue;
            }
            INDArray counts;
            if (max > min) {
                INDArray values = arr.dataType() == DataType.FLOAT || arr.dataType() == DataType.DOUBLE
                        ? arr : arr.castTo(DataType.FLOAT);
                counts = Nd4j.exec(new Histogram(values, HISTOGRAM_BINS))[0].castTo(DataType.DOUBLE);
            } else {
                // every value equal (a norm weight at 1.0): one full middle bin over a small range around it
                double half = Math.max(Math.abs(min) * 0.05, 1e-6);
                min -= half;
                max += half;
                double[] c = new double[HISTOGRAM_BINS];
                c[HISTOGRAM_BINS / 2] = arr.length();
                counts = Nd4j.createFromArray(c);
            }
            String name = HISTOGRAM_PREFIX + v.name();
            register(name);
            writer.writeHistogramEventEqualSpacing(name, EventSubtype.NONE, time, step, 0, min, max, counts);
        }
    }

    private List<SDVariable> parameters() {
        List<SDVariable> out = new ArrayList<>();
        for (SDVariable v : graph.variables()) {
            if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) {
                out.add(v);
            }
        }
        return out;
    }

    /** The event subtype ND4J's own listener would give the metric (the page shows it nowhere; readers may). */
    static EventSubtype subtype(String metric) {
        if (metric.equals("loss") || metric.startsWith("loss/")) {
            return EventSubtype.LOSS;
        }
        if (metric.equals("lr")) {
            return EventSubtype.LEARNING_RATE;
        }
        if (MetricsLog.isTiming(metric)) {
            return EventSubtype.PERFORMANCE;
        }
        if (metric.equals("accuracy") || metric.startsWith("eval/")) {
            return EventSubtype.EVALUATION;
        }
        return EventSubtype.NONE;
    }

    /** Stops writing; the file stays complete (every event is written whole when its step ends). */
    @Override
    public synchronized void close() {
        closed = true;
    }
}
