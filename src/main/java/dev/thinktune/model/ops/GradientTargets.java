package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Arrays that weight gradients are added into while a backward pass runs, instead of each weight's gradient being
 * a new array the pass returns and its caller then adds into an accumulated sum. At a 128k vocabulary the tied
 * embedding alone would otherwise cost three {@code [V, D]} arrays a pass (the lookup's part, the head's part and
 * their sum), and a recomputed layer its weights' size again.
 *
 * <p>The gradient ops that know their weight (the {@linkplain DecoderLayer recomputed decoder layer}, the
 * {@linkplain TokenLogprobs head's log-probabilities} and the {@linkplain EmbeddingLookup embedding lookup}) add
 * the gradient of a weight that has a target into it, and output a one-element zero in its place; a weight
 * without a target, or any pass run outside {@link #during}, gets its gradient as an output as before.
 * Targets are per thread: the pass runs on the thread that calls {@link #during}.
 */
public final class GradientTargets {
    /** The shape of the zero an op outputs for a gradient it added into its target. */
    static final long[] ADDED = {1};
    private static final ThreadLocal<GradientTargets> ACTIVE = new ThreadLocal<>();
    private final Map<String, INDArray> targets;
    private final Set<String> added = new HashSet<>();

    private GradientTargets(Map<String, INDArray> targets) {
        this.targets = targets;
    }

    /**
     * Runs {@code pass} with the gradients of the weights named in {@code targets} added into their arrays (dense,
     * float32, each weight's shape); returns the names whose gradients some op added there.
     */
    public static Set<String> during(Map<String, INDArray> targets, Runnable pass) {
        GradientTargets previous = ACTIVE.get();
        GradientTargets current = new GradientTargets(targets);
        ACTIVE.set(current);
        try {
            pass.run();
        } finally {
            if (previous == null) {
                ACTIVE.remove();
            } else {
                ACTIVE.set(previous);
            }
        }
        return Set.copyOf(current.added);
    }

    /** Whether the running pass adds {@code weight}'s gradient into a target. */
    static boolean has(SDVariable weight) {
        GradientTargets t = ACTIVE.get();
        return t != null && t.targets.containsKey(weight.name());
    }

    /** The output shape of {@code weight}'s gradient: {@link #ADDED} when it goes to a target, else {@code shape}. */
    static long[] shape(SDVariable weight, long[] shape) {
        return has(weight) ? ADDED : shape;
    }

    /**
     * Where an op adds {@code weight}'s gradient up: its target when it has one (recorded as added), else the op's
     * own {@code output}. The output is zeroed either way: it starts the sum, or it is the zero that stands for a
     * gradient added into its target.
     */
    static INDArray sumInto(SDVariable weight, INDArray output) {
        INDArray target = claim(weight);
        output.assign(0);
        return target != null ? target : output;
    }

    /**
     * The array {@code weight}'s gradient is to be added into, recorded as added; null when it has none. The caller
     * adds the gradient into it and zeroes the op's own output for the weight ({@link #sumInto} does both for an
     * op that sums its gradient up in place).
     */
    static INDArray claim(SDVariable weight) {
        GradientTargets t = ACTIVE.get();
        if (t == null) {
            return null;
        }
        INDArray target = t.targets.get(weight.name());
        if (target != null) {
            if (!JavaOp.isDense(target) || target.dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException("the gradient target of " + weight.name()
                        + " is not a dense float32 array");
            }
            t.added.add(weight.name());
        }
        return target;
    }
}
