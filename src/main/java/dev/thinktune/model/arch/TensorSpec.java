package dev.thinktune.model.arch;

/**
 * One parameter tensor of a family: its Hugging Face name, its shape ({@code [out, in]} for a projection) and how
 * a fresh model starts it.
 */
public record TensorSpec(String name, long[] shape, Init init) {

    /** How a fresh model starts a tensor (transformers' {@code _init_weights}). */
    public enum Init {
        /** Normal(0, initializer_range): embeddings, projections, the head. */
        NORMAL,
        /** All ones: an RMSNorm weight. */
        NORM_ONES,
        /** All zeros: a bias. */
        ZEROS
    }

    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of values. */
    public long size() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    static TensorSpec normal(String name, long out, long in) {
        return new TensorSpec(name, new long[]{out, in}, Init.NORMAL);
    }

    static TensorSpec norm(String name, long size) {
        return new TensorSpec(name, new long[]{size}, Init.NORM_ONES);
    }

    static TensorSpec bias(String name, long size) {
        return new TensorSpec(name, new long[]{size}, Init.ZEROS);
    }
}
