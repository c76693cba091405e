package dev.thinktune.distributed;

import dev.thinktune.teacher.Teacher;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.GuideContext;
import dev.thinktune.train.Guides;
import dev.thinktune.train.StepShare;
import dev.thinktune.train.StepWorker;
import dev.thinktune.train.TrainConfig;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

import java.nio.file.Path;

/**
 * An executor task of a step: takes a worker of the run (built on first use), gives it the broadcast parameters
 * when its version is older, and returns its slice's {@link StepShare}.
 *
 * @param run        the run's id (workers are cached per run)
 * @param configYaml the run's config
 * @param modelPath  the student's directory as the executors see it
 * @param teacher    the teacher factory shipped by the driver, or null for the config's teacher
 */
record StepTask(String run, String configYaml, String modelPath,
                java.util.function.Function<GuideContext, Teacher> teacher, int step, double fraction,
                Broadcast<ParameterVersion> parameters) implements Function<StepSlice, StepShare> {

    @Override
    public StepShare call(StepSlice slice) {
        StepWorker worker = ExecutorWorkers.borrow(run, () -> StepWorker.open(config(), Path.of(modelPath),
                teacher != null ? teacher : Guides::teacher));
        try {
            ParameterVersion v = parameters.value();
            worker.load(v.version(), v.parameters());
            StepShare share = worker.work(step, slice.firstGroup(), slice.questions(), fraction);
            ExecutorWorkers.release(run, worker);
            return share;
        } catch (RuntimeException | Error e) {
            worker.close(); // a worker that failed half-way is not trusted with the next task
            throw e;
        }
    }

    private TrainConfig config() {
        return ConfigLoader.parse(configYaml, "the run's config");
    }
}
