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
        require(source, tensors, "1".equals(System.getenv(ALLOW)));
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
                float v = values.get(first);
                throw new CheckpointException(source + ": tensor '" + e.getKey() + "' has " + count
                        + " non-finite value" + (count == 1 ? "" : "s") + " (first: " + v + " at "
                        + Arrays.toString(index(first, e.getValue().shape())) + "); the checkpoint is damaged or "
                        + "comes from a diverged run. Load an earlier checkpoint, or set " + ALLOW
                        + "=1 to load it anyway for debugging");
            }
        }
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
