package dev.thinktune.train;

import dev.thinktune.model.OffHeapMemory;
import dev.thinktune.model.StudentModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * One optimizer update on the ThinkTuning objective: gradients of the loss graph accumulated over
 * micro-batches ({@link LossGradients}), checked for finiteness, clipped by global norm, applied with AdamW. A
 * non-finite loss or gradient leaves the weights untouched and reports the update as skipped. The gradients may
 * also come summed from elsewhere ({@link #apply}), for an update whose samples were worked on by other
 * processes.
 */
public final class PolicyUpdater {
    private final ObjectiveConfig objective;
    private final OptimizerStep optimizer;
    private final LossGradients gradients;
    private final Map<String, INDArray> parameters;

    public PolicyUpdater(StudentModel model, ObjectiveConfig objective, TrainConfig.OptimizerSection opt,
                         int totalUpdates) {
        this.objective = objective;
        this.parameters = model.trainable();
        this.optimizer = new OptimizerStep(model.trainable(), opt, totalUpdates);
        this.gradients = new LossGradients(model, objective);
    }
    public AdamW optimizer() {
        return optimizer.optimizer();
    }

    /**
     * Accumulated gradients at least this large are handed back between steps ({@link #handBackLargeState}), and
     * SameDiff's cached arrays of the update's passes with them: at the 180M shape (0.72 GB and 0.6 GB) both
     * waited idle through the rollout and the scoring, which are where its step then peaked (see the README).
     * A smaller model keeps both: handing back the quickstart's cached arrays every step took its 40 steps from
     * 64 to 76 s (they are allocated again by the next update), as with the decoders' small caches
     * ({@link ThinkTuningTrainer#HANDED_BACK_CACHE_BYTES}).
     */
    static final long HANDED_BACK_BYTES = 128L << 20;

    /**
     * After a step's updates: when the accumulated gradients take at least {@link #HANDED_BACK_BYTES}, frees them
     * and the graph sessions' cached arrays and hands the freed pages back to the system; the next update
     * allocates them again. Returns whether it did.
     */
    public boolean handBackLargeState() {
        if (optimizer.handBackSums(HANDED_BACK_BYTES)) {
            OffHeapMemory.endPhase();
            return true;
        }
        return false;
    }

    /** Optimizer updates applied so far (restored on resume). */
    public long updates() {
        return optimizer.updates();
    }

    public void restore(long updatesDone) {
        optimizer.restore(updatesDone);
    }

    /**
     * One update over {@code batch}, run {@code microBatchSize} sequences at a time.
     *
     * @param advMin the advantage mapped to c2 (the fixed bound, or the step's minimum)
     * @param advMax the advantage mapped to c1
     */
    public UpdateStats update(List<TrainingSample> batch, int microBatchSize, double advMin, double advMax) {
        int tokens = batch.stream().mapToInt(TrainingSample::responseLength).sum();
        optimizer.reset();
        LossGradients.Sums sums = gradients.run(batch, microBatchSize, batch.size(), tokens, advMin, advMax,
                optimizer.sums(), optimizer::passDone);
        return sums.stats(sums.loss(), optimizer.apply(sums.loss()), objective);
    }

    /**
     * One update from gradients summed elsewhere: {@code gradientSums} (by parameter name, flattened in C order)
     * and {@code sums} were computed with divisors of 1 ({@link LossGradients#run}), and are divided here by the
     * whole update's sequences or tokens ({@link LossGradients.Sums#normalizer}).
     */
    public UpdateStats apply(Map<String, float[]> gradientSums, LossGradients.Sums sums) {
        double scale = 1.0 / Math.max(1, sums.normalizer(objective));
        Map<String, INDArray> grads = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : gradientSums.entrySet()) {
            INDArray p = parameters.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("a gradient for " + e.getKey() + ", which is not trained here");
            }
            INDArray g = Nd4j.createFromArray(e.getValue()).reshape(p.shape()).muli(scale);
            grads.put(e.getKey(), g);
        }
        optimizer.reset();
        optimizer.accumulate(grads);
        double loss = sums.loss() * scale;
        return sums.stats(loss, optimizer.apply(loss), objective);
    }
}
