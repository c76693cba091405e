package dev.thinktune.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The load-time check that every weight is a finite number: a NaN or an infinity in a checkpoint (a diverged run,
 * a damaged file) would otherwise surface much later as NaN log-probabilities or "logits are not finite", with no
 * tensor named. Setting the environment variable {@value #ALLOW} to {@code 1} loads such a checkpoint anyway, for
 * debugging.
 */
public final class FiniteWeights {
    /** The environment variable that turns the check off. */
    public static final String ALLOW = "THINKTUNE_ALLOW_NON_FINITE_WEIGHTS";

    private FiniteWeights() {
    }

    /** Refuses {@code tensors} (c-ordered float arrays, read from {@code source}) if any holds a non-finite value. */
    public static void require(Path source, Map<String, INDArray> tensors) {
        require(source, tensors, allowed());
    }

    static void require(Path source, Map<String, INDArray> tensors, boolean allowed) {
        if (allowed) {
            return;
        }
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            FloatBuffer values = HfCheckpoint.floatView(e.getValue());
            int first = -1;
            long count = 0;
            for (int i = 0, n = values.limit(); i < n; i++) {
                if (!Float.isFinite(values.get(i))) {
                    if (first < 0) {
                        first = i;
                    }
                    count++;
                }
            }
            if (count > 0) {
                throw refusal(source, e.getKey(), count + " non-finite value" + (count == 1 ? "" : "s"),
                        values.get(first), index(first, e.getValue().shape()));
            }
        }
    }

    /**
     * Refuses {@code n} values of {@code tensor} (shape {@code shape}) read from {@code source}, the first at flat
     * index {@code start}, if any is not finite: the check of a reader that streams a tensor in runs of rows.
     */
    public static void requireFloats(Path source, String tensor, long[] shape, long start, float[] v, int off, int n) {
        if (allowed()) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(v[off + i])) {
                throw refusal(source, tensor, "a non-finite value", v[off + i], index(start + i, shape));
            }
        }
    }

    /** As {@link #requireFloats} for bfloat16 bits (exponent all ones: an infinity or a NaN). */
    public static void requireBf16(Path source, String tensor, long[] shape, long start, short[] v, int off, int n) {
        if (allowed()) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if ((v[off + i] & 0x7F80) == 0x7F80) {
                throw refusal(source, tensor, "a non-finite value", Float.intBitsToFloat(v[off + i] << 16),
                        index(start + i, shape));
            }
        }
    }

    private static boolean allowed() {
        return "1".equals(System.getenv(ALLOW));
    }

    private static CheckpointException refusal(Path source, String tensor, String what, float value, long[] at) {
        return new CheckpointException(source + ": tensor '" + tensor + "' has " + what + " (first: " + value
                + " at " + Arrays.toString(at) + "); the checkpoint is damaged or comes from a diverged run. "
                + "Load an earlier checkpoint, or set " + ALLOW + "=1 to load it anyway for debugging");
    }

    private static long[] index(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }
}
