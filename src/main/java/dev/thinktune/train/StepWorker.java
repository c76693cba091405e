package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.OffHeapMemory;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.teacher.Guide;
import dev.thinktune.teacher.Teacher;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A worker of a scaled-out run ({@link DistributedSteps}): its own copy of the student (read from the model
 * directory, then given the driver's trainable parameters of each new version), its decoders, teacher and
 * reward, and for a share of a step's questions the work of {@link StepPreparation} and the sums of their loss
 * gradients ({@link LossGradients} with divisors of 1).
 */
public final class StepWorker implements AutoCloseable {
    private final TrainConfig cfg;
    private final StudentModel policy;
    private final PolicyEngines engines;
    private final Teacher teacher;
    private final StepPreparation preparation;
    private final LossGradients gradients;
    /** Frees a pass's off-heap arrays between micro-batches, as {@link OptimizerStep#accumulate} does. */
    private final OffHeapMemory memory = new OffHeapMemory(2000);
    private long version = -1;

    private StepWorker(TrainConfig cfg, StudentModel policy, PolicyEngines engines, Teacher teacher,
                       StepPreparation preparation) {
        this.cfg = cfg;
        this.policy = policy;
        this.engines = engines;
        this.teacher = teacher;
        this.preparation = preparation;
        this.gradients = new LossGradients(policy, cfg.objective());
    }

    /**
     * A worker for {@code cfg} over the student in {@code modelDir}, with the teacher {@code teacherFactory} makes
     * (used on guided runs only).
     */
    public static StepWorker open(TrainConfig cfg, Path modelDir, Function<GuideContext, Teacher> teacherFactory) {
        if (!HfCheckpoint.isCheckpoint(modelDir)) {
            throw new IllegalArgumentException(missingModel(modelDir));
        }
        ModelAssets assets = RunSetup.assets(cfg, modelDir);
        ModelWeights initial = RunSetup.initialWeights(cfg, modelDir);
        StudentModel policy = StudentModel.of(initial, RunSetup.initialAdapters(cfg, initial),
                cfg.training().layerActivations());
        java.util.Set<Integer> stopIds = assets.prompts().stopIds(initial.config().eosTokenIds());
        PolicyEngines engines = PolicyEngines.open(cfg, policy, modelDir);
        Teacher teacher = null;
        try {
            GuideContext ctx = new GuideContext(cfg, assets, modelDir, stopIds);
            teacher = cfg.usesGuidance() ? teacherFactory.apply(ctx) : null;
            Guide guide = teacher == null ? Guide.NONE : Guides.fromConfig(ctx, teacher);
            ThinkTuningTrainer.Parts parts = new ThinkTuningTrainer.Parts(policy, new EngineSampler(engines.engine()),
                    engines.reference(), guide, RewardFunction.from(cfg.reward()), assets.prompts(), stopIds, List.of());
            return new StepWorker(cfg, policy, engines, teacher, new StepPreparation(cfg, parts));
        } catch (RuntimeException | Error e) {
            engines.close();
            if (teacher != null) {
                teacher.close();
            }
            throw e;
        }
    }

    /** What a worker says when {@code modelDir} holds no student. */
    public static String missingModel(Path modelDir) {
        return "the student directory " + modelDir + " (model.path, or distributed.spark.model_path) is not a Hugging"
                + " Face model directory (config.json + model.safetensors) on this worker; every worker reads the"
                + " student from there";
    }

    /** The version of the trainable parameters this worker holds (-1: the initial ones). */
    public long version() {
        return version;
    }

    /** The trainable parameters of {@code trainable} by name, flattened in C order (what a version ships as). */
    public static Map<String, float[]> snapshot(Map<String, INDArray> trainable) {
        Map<String, float[]> out = new LinkedHashMap<>();
        trainable.forEach((k, v) -> out.put(k, v.castTo(DataType.FLOAT).dup('c').data().asFloat()));
        return out;
    }

    /** Takes the trainable parameters of {@code version} (by name, flattened in C order); nothing when held. */
    public void load(long version, Map<String, float[]> parameters) {
        if (version == this.version) {
            return;
        }
        Map<String, INDArray> trainable = policy.trainable();
        if (!trainable.keySet().equals(parameters.keySet())) {
            throw new IllegalArgumentException("parameters " + parameters.keySet() + " for a student that trains "
                    + trainable.keySet() + ": the driver and this worker read different models");
        }
        parameters.forEach((k, v) -> {
            INDArray p = trainable.get(k);
            if (p.length() != v.length) {
                throw new IllegalArgumentException("parameter " + k + " has " + v.length + " values, this worker's "
                        + Arrays.toString(p.shape()) + " needs " + p.length());
            }
            p.assign(Nd4j.createFromArray(v).reshape(p.shape()));
        });
        engines.engine().refreshWeights();
        this.version = version;
    }

    /** Prepares {@code questions}, the step's groups {@code firstGroup} onwards, and sums their loss gradients. */
    public StepShare work(int step, int firstGroup, List<Example> questions, double fraction) {
        StepPreparation.Prepared p = preparation.prepare(step, firstGroup, questions, fraction);
        long t0 = System.nanoTime();
        Map<String, INDArray> sums = new LinkedHashMap<>();
        policy.trainable().forEach((k, v) -> sums.put(k, Nd4j.zeros(DataType.FLOAT, v.shape())));
        LossGradients.Sums s = gradients.run(p.samples(), cfg.training().microBatchSize(), 1, 1,
                cfg.objective().advMin(), cfg.objective().advMax(), sums, memory::collect);
        StepShare share = StepShare.of(p, snapshot(sums), s, (System.nanoTime() - t0) / 1e9, firstGroup,
                cfg.rollout().n());
        sums.values().forEach(INDArray::close);
        return share;
    }

    @Override
    public void close() {
        engines.close();
        if (teacher != null) {
            teacher.close();
        }
    }
}
