package dev.thinktune.distributed;

import dev.thinktune.teacher.Teacher;
import dev.thinktune.teacher.TeacherQuery;
import dev.thinktune.teacher.TeacherReply;
import dev.thinktune.train.Guides;
import dev.thinktune.train.TrainingRun;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.thinktune.distributed.SparkRuns.assertSameMetrics;
import static dev.thinktune.distributed.SparkRuns.assertSameWeights;
import static dev.thinktune.distributed.SparkRuns.config;
import static dev.thinktune.distributed.SparkRuns.lines;
import static dev.thinktune.distributed.SparkRuns.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed task attempts, a teacher that fails on one executor, and configurations refused before step 1. */
class SparkFaultsTest {
    @TempDir
    Path tmp;

    /** Building the first task's worker fails on its first attempt only (Spark retries it: local[2,2]). */
    @Test
    void aTaskWhoseFirstAttemptFailsIsRetriedAndTheStepIsUnchanged() {
        SparkRuns.TeacherFactory failsOnce = ctx -> {
            TaskContext task = TaskContext.get();
            if (task.partitionId() == 0 && task.attemptNumber() == 0) {
                throw new IllegalStateException("injected failure of the first attempt");
            }
            return Guides.teacher(ctx);
        };
        TrainingRun.Outcome plain = run(config(tmp.resolve("plain"), "training.steps=1",
                "distributed.spark.master=local[2,2]", "distributed.spark.partitions=2"), SparkRuns.configured());
        TrainingRun.Outcome retried = run(config(tmp.resolve("retried"), "training.steps=1",
                "distributed.spark.master=local[2,2]", "distributed.spark.partitions=2"), failsOnce);
        assertEquals(plain.state(), retried.state());
        assertSameWeights(plain, retried, 0f);
        assertSameMetrics(plain, retried, 0);
        assertEquals(lines(plain.samplesFile()), lines(retried.samplesFile()));
    }

    @Test
    void aTeacherThatFailsOnOneExecutorIsCountedAndTheStepsComplete() {
        SparkRuns.TeacherFactory secondSliceFails = ctx -> new FailsOnSecondSlice(Guides.teacher(ctx));
        TrainingRun.Outcome o = run(config(tmp.resolve("run"), "distributed.spark.master=local[2]",
                "distributed.spark.partitions=2", "training.log_samples=4"), secondSliceFails);
        assertEquals(2, o.state().step()); // the second step too: the failures did not stop the run
        List<String> rows = lines(o.metricsFile());
        List<String> columns = List.of(rows.get(0).split(","));
        int selected = columns.indexOf("teacher/selected"), failures = columns.indexOf("teacher/failures");
        int failed = 0, asked = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] v = row.split(",");
            asked += (int) Double.parseDouble(v[selected]);
            failed += (int) Double.parseDouble(v[failures]);
        }
        // samples.jsonl holds every response (4 groups of 4 a step): the failed replies are exactly the second
        // slice's (groups 2 and 3), and the first slice's teacher answered
        List<String> samples = lines(o.samplesFile());
        int logged = 0;
        for (int i = 0; i < samples.size(); i++) {
            boolean failedReply = samples.get(i).contains("injected");
            int group = (i % 16) / 4;
            if (group < 2) {
                assertFalse(failedReply, samples.get(i));
            }
            logged += failedReply ? 1 : 0;
        }
        assertTrue(failed > 0 && failed < asked, failed + " of " + asked + " replies failed");
        assertEquals(failed, logged);
    }

    @Test
    void anUnreachableMasterIsRefusedBeforeStepOne() {
        Path out = tmp.resolve("run");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(config(out, "distributed.spark.master=spark://127.0.0.1:1")));
        assertTrue(e.getMessage().contains("distributed.spark.master spark://127.0.0.1:1")
                && e.getMessage().contains("no Spark master answers"), e.getMessage());
        assertFalse(Files.exists(out.resolve("metrics.csv")));
    }

    @Test
    void executorsWithoutTheModelAreRefusedBeforeStepOne() {
        Path out = tmp.resolve("run");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(config(out, "distributed.spark.master=local[2]",
                        "distributed.spark.model_path=" + tmp.resolve("nowhere"))));
        assertTrue(e.getMessage().contains("an executor cannot read the student")
                && e.getMessage().contains(tmp.resolve("nowhere").toString())
                && e.getMessage().contains("distributed.spark.model_path"), e.getMessage());
        assertFalse(Files.exists(out.resolve("metrics.csv")));
    }

    /** The configured teacher, except that it throws (as an unreachable endpoint does) in the second slice's task. */
    private record FailsOnSecondSlice(Teacher real) implements Teacher {
        @Override
        public List<TeacherReply> reply(List<TeacherQuery> queries) {
            if (TaskContext.get().partitionId() == 1) {
                throw new IllegalStateException("connection refused (injected)");
            }
            return real.reply(queries);
        }

        @Override
        public String name() {
            return "fails on the second slice";
        }
    }
}
