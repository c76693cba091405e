package dev.thinktune.train;

import dev.thinktune.model.OffHeapMemory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer side of an update, shared by every trainer: gradients accumulated over micro-batches, a
 * finiteness check that skips the update when the loss or any gradient is NaN or infinite, global-norm
 * clipping, the learning-rate schedule and AdamW, then a collection of freed off-heap arrays.
 */
final class OptimizerStep {
    private final Map<String, INDArray> parameters;
    private final AdamW adam;
    private final LrSchedule schedule;
    private final double maxGradNorm;
    /** The accumulated gradients; empty while {@linkplain #handBackSums handed back} between updates. */
    private final Map<String, INDArray> accumulated = new LinkedHashMap<>();
    private final OffHeapMemory memory = new OffHeapMemory(2000);
    private long updates;

    /** An optimizer over {@code parameters} (by name; updated in place). */
    OptimizerStep(Map<String, INDArray> parameters, TrainConfig.OptimizerSection opt, int totalUpdates) {
        this.parameters = parameters;
        this.adam = new AdamW(opt.beta1(), opt.beta2(), opt.eps(), opt.weightDecay());
        this.schedule = new LrSchedule(opt.schedule(), opt.lr(), opt.warmupSteps(), totalUpdates, opt.minLrRatio());
        this.maxGradNorm = opt.maxGradNorm();
        allocateSums();
    }

    private void allocateSums() {
        parameters.forEach((k, v) -> accumulated.put(k, Nd4j.zeros(DataType.FLOAT, v.shape())));
    }

    /** What {@link #apply} did. */
    record Applied(double gradNorm, double lr, boolean skipped) {
    }

    /** Starts a new update (allocating the accumulated gradients again if they were handed back). */
    void reset() {
        if (accumulated.isEmpty()) {
            allocateSums();
        } else {
            accumulated.values().forEach(a -> a.assign(0));
        }
    }

    /**
     * Frees the accumulated gradients, which only an update uses, when they take at least {@code minBytes};
     * the next {@link #reset} allocates them again. Returns whether they were freed.
     */
    boolean handBackSums(long minBytes) {
        long bytes = accumulated.values().stream().mapToLong(a -> a.length() * a.dataType().width()).sum();
        if (accumulated.isEmpty() || bytes < minBytes) {
            return false;
        }
        accumulated.values().forEach(INDArray::close);
        accumulated.clear();
        return true;
    }

    /**
     * Adds a micro-batch's gradients (by parameter name), then lets the garbage collector free the pass's
     * off-heap arrays that wait for it: without it each micro-batch of an update took fresh memory (the
     * ThinkTuning step of {@code bench train}: peak resident memory 9.4 GB, 6.2 GB with it).
     */
    void accumulate(Map<String, INDArray> grads) {
        grads.forEach((k, g) -> accumulated.get(k).addi(g));
        memory.collect();
    }

    /**
     * The accumulated gradients by parameter name, for a pass that adds into them as it computes
     * ({@link dev.thinktune.model.GradientRunner#accumulate}); call {@link #passDone} after each pass.
     */
    Map<String, INDArray> sums() {
        return accumulated;
    }

    /** After a pass that added into {@link #sums}: lets the collector free its off-heap arrays, as {@link #accumulate}. */
    void passDone() {
        memory.collect();
    }

    /** Clips and applies the accumulated gradients, unless {@code loss} or the gradient norm is not finite. */
    Applied apply(double loss) {
        double lr = schedule.at(updates + 1);
        double norm = GradientClipping.globalNorm(accumulated);
        boolean finite = Double.isFinite(loss) && Double.isFinite(norm);
        if (finite) {
            GradientClipping.clip(accumulated, maxGradNorm);
            adam.apply(parameters, accumulated, lr);
            updates++;
        }
        memory.collect();
        return new Applied(norm, lr, !finite);
    }

    AdamW optimizer() {
        return adam;
    }

    long updates() {
        return updates;
    }

    void restore(long updatesDone) {
        this.updates = updatesDone;
    }
}
