package dev.thinktune.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The L2 norm of all gradients together (NaN or infinite when any gradient is). */
    public static double globalNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /** Scales the gradients in place so their global norm is at most {@code maxNorm}; returns the norm before. */
    public static double clip(Map<String, INDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0 && Double.isFinite(norm) && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            grads.values().forEach(g -> g.muli(scale));
        }
        return norm;
    }
}
