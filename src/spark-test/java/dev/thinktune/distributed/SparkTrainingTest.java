package dev.thinktune.distributed;

import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.thinktune.distributed.SparkRuns.assertSameMetrics;
import static dev.thinktune.distributed.SparkRuns.assertSameWeights;
import static dev.thinktune.distributed.SparkRuns.config;
import static dev.thinktune.distributed.SparkRuns.lines;
import static dev.thinktune.distributed.SparkRuns.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel ThinkTuning on {@code local[N]}: the same parameters, metrics and logged samples as the run in one
 * process, and a resume onto another number of executors.
 */
class SparkTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void twoStepsOnTwoExecutorsMatchTheSingleProcessRun() {
        TrainingRun.Outcome single = run(config(tmp.resolve("single")));
        TrainingRun.Outcome two = run(config(tmp.resolve("two"), "distributed.spark.master=local[2]",
                "distributed.spark.partitions=2"));
        assertEquals(single.state(), two.state());
        assertSameMetrics(single, two, 1e-4);
        assertSameWeights(single, two, 2e-6f);
        assertEquals(lines(single.samplesFile()), lines(two.samplesFile()), "samples.jsonl");
        // guidance happened, so the comparison covers the teacher's part too
        assertTrue(lines(two.samplesFile()).stream().anyMatch(l -> l.contains("\"guided\":true")));

    }

    @Test
    void aRunCheckpointedOnOneExecutorResumesOnTwo() {
        TrainingRun.Outcome straight = run(config(tmp.resolve("a"), "training.steps=3"));
        run(config(tmp.resolve("b"), "distributed.spark.master=local[1]"));
        TrainConfig more = config(tmp.resolve("b"), "training.steps=3",
                "distributed.spark.master=local[2]", "distributed.spark.partitions=2");
        TrainingRun.Outcome resumed = new TrainingRun(more, SparkRuns.QUIET).run(true);
        assertEquals(3, resumed.state().step());
        assertEquals(straight.state(), resumed.state());
        assertSameWeights(straight, resumed, 3e-6f);
    }
}
