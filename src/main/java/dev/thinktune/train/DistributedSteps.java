package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.model.StudentModel;
import dev.thinktune.teacher.Teacher;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.function.Function;

/**
 * Where the per-question half of ThinkTuning steps and their loss gradients are computed when a run is scaled out
 * ({@code distributed.spark}): the driver keeps the optimizer and calls {@link #run} once per step with the
 * step's questions and the version of its trainable parameters; the implementation ships the parameters of a
 * new version, has its workers prepare their questions ({@link StepPreparation}) and sum their gradients
 * ({@link LossGradients} with divisors of 1), and returns the step's {@link StepShare}.
 */
public interface DistributedSteps extends AutoCloseable {
    /** The implementation on Spark, present in builds with the {@code spark} Maven profile. */
    String SPARK_IMPLEMENTATION = "dev.thinktune.distributed.SparkSteps";

    /**
     * The step's share of every question.
     *
     * @param questions the step's questions, in order (group g is questions[g])
     * @param fraction  the step's scheduled guided fraction
     * @param version   the number of optimizer updates behind the current parameters
     */
    StepShare run(int step, List<Example> questions, double fraction, long version);

    @Override
    void close();

    /**
     * Refuses what a distributed step does not do: several updates per step (each would be a round of its own)
     * and advantage bounds of the whole batch (known only after every question is worked on).
     */
    static void requireSupported(TrainConfig cfg) {
        if (cfg.training().mu() != 1) {
            throw new ConfigException("training.mu", cfg.training().mu(),
                    "1 with distributed.spark (one update per step; several passes are not distributed)");
        }
        int perStep = cfg.training().questionsPerStep() * cfg.rollout().n();
        if (cfg.training().miniBatchSize() != 0 && cfg.training().miniBatchSize() != perStep) {
            throw new ConfigException("training.mini_batch_size", cfg.training().miniBatchSize(),
                    "0 (the whole step, " + perStep + ") with distributed.spark: one update per step");
        }
        if (cfg.objective().advRange() == ObjectiveConfig.AdvantageRange.BATCH) {
            throw new ConfigException("objective.adv_range", "batch",
                    "fixed with distributed.spark (the batch's range is known only after every question)");
        }
        if (cfg.mode() != TrainConfig.Mode.THINKTUNE && cfg.mode() != TrainConfig.Mode.GRPO) {
            throw new ConfigException("mode", cfg.mode().id(), "thinktune or grpo with distributed.spark");
        }
    }

    /**
     * Opens the Spark implementation for {@code cfg}: connects to {@code distributed.spark.master} and checks the
     * executors can read the model before the first step. Refused with what to do when the build has no Spark.
     *
     * @param teacher the teacher factory, used on the executors when it is {@link java.io.Serializable} (else the
     *                config's teacher)
     */
    static DistributedSteps open(TrainConfig cfg, StudentModel policy, Function<GuideContext, Teacher> teacher,
                                 PrintStream log) {
        Class<?> impl;
        try {
            impl = Class.forName(SPARK_IMPLEMENTATION);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("distributed.spark (--spark " + cfg.distributed().spark().master()
                    + ") needs the Spark build of thinktune: build with  mvn -Pspark -DskipTests package  (the "
                    + "default build leaves Spark out)");
        }
        try {
            return (DistributedSteps) impl.getMethod("open", TrainConfig.class, StudentModel.class, Function.class,
                    PrintStream.class).invoke(null, cfg, policy, teacher, log);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot open " + SPARK_IMPLEMENTATION + ": " + e, e);
        }
    }
}
