package dev.thinktune.distributed;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.teacher.Teacher;
import dev.thinktune.train.GuideContext;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.Guides;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A tiny ThinkTuning run's config and the comparisons of the Spark tests. */
final class SparkRuns {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    /** A teacher factory the executors can be sent. */
    interface TeacherFactory extends Function<GuideContext, Teacher>, Serializable {
    }

    private SparkRuns() {
    }

    /** The embedded student (it answers some arithmetic questions right, so advantages are not all zero). */
    static final Path MODEL = Path.of("models/arith-tiny");
    static final Path DATA = Path.of("data/arith/train.jsonl");

    /**
     * Two guided steps of 4 questions x 4 answers on the embedded student, with the KL term (a reference pass) and
     * the dataset's reference teacher; {@code extra} overrides. AdamW's epsilon is 1: its first step is otherwise
     * lr * sign(g), so a gradient component that is zero up to rounding (summed in another order by another split)
     * moves by the whole learning rate either way; with a large epsilon the update is close to lr * g and comparing
     * parameters compares the summed gradients themselves.
     */
    static TrainConfig config(Path out, String... extra) {
        List<String> o = new ArrayList<>(List.of("mode=thinktune", "model.path=" + MODEL, "data.train=" + DATA,
                "data.test=", "output_dir=" + out, "training.steps=2", "training.questions_per_step=4",
                "rollout.n=4", "rollout.max_new_tokens=48", "guidance.k=3", "guidance.teacher.max_new_tokens=48",
                "training.micro_batch_size=4", "training.checkpoint_every=1", "optimizer.lr=0.05", "optimizer.eps=1",
                "objective.beta=0.01", "eval.questions=0", "seed=17", "training.log_samples=3"));
        o.addAll(List.of(extra));
        return ConfigLoader.load(o);
    }

    static TrainingRun.Outcome run(TrainConfig cfg) {
        return new TrainingRun(cfg, QUIET).run(false);
    }

    static TrainingRun.Outcome run(TrainConfig cfg, TeacherFactory teacher) {
        return new TrainingRun(cfg, QUIET, teacher).run(false);
    }

    /** The config's reference teacher, as a factory the executors can be sent. */
    static TeacherFactory configured() {
        return Guides::teacher;
    }

    /** Every tensor of the two final models agrees within {@code tolerance}. */
    static void assertSameWeights(TrainingRun.Outcome a, TrainingRun.Outcome b, float tolerance) {
        ModelWeights x = HfCheckpoint.load(a.finalModel());
        ModelWeights y = HfCheckpoint.load(b.finalModel());
        assertEquals(x.tensors().keySet(), y.tensors().keySet());
        for (Map.Entry<String, INDArray> e : x.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data().asFloat(), y.get(e.getKey()).data().asFloat(), tolerance, e.getKey());
        }
    }

    /** The two runs' metrics.csv have the same columns and every value agrees within {@code relative}. */
    static void assertSameMetrics(TrainingRun.Outcome a, TrainingRun.Outcome b, double relative) {
        List<String> x = lines(a.metricsFile()), y = lines(b.metricsFile());
        assertEquals(x.get(0), y.get(0), "columns");
        assertEquals(x.size(), y.size(), "rows");
        String[] names = x.get(0).split(",");
        for (int r = 1; r < x.size(); r++) {
            String[] u = x.get(r).split(","), v = y.get(r).split(",");
            for (int c = 0; c < names.length; c++) {
                double p = Double.parseDouble(u[c]), q = Double.parseDouble(v[c]);
                if (Double.isNaN(p) || Double.isNaN(q)) {
                    assertEquals(Double.isNaN(p), Double.isNaN(q), names[c] + " at row " + r);
                    continue;
                }
                assertEquals(p, q, relative * Math.max(1e-3, Math.abs(p)), names[c] + " at row " + r);
            }
        }
    }

    static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
