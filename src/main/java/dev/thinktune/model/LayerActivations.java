package dev.thinktune.model;

/**
 * What the training graph does with each decoder layer's activations between its forward and backward pass.
 */
public enum LayerActivations {
    /** Every op's output is kept until its gradient has run: the fastest step, the most memory. */
    KEPT,
    /**
     * Only each layer's input is kept; the layer's forward pass is computed again inside its gradient
     * (activation checkpointing, {@link dev.thinktune.model.ops.DecoderLayer}): one more forward pass of the
     * layers for a fraction of their activations' memory. For full fine-tuning of layers without biases or
     * per-head norms (Llama's).
     */
    RECOMPUTED;

    /** Refuses a combination the recomputed layer does not cover, naming what stands in the way. */
    public void check(LlamaConfig config, boolean adapters) {
        String why = this == RECOMPUTED ? obstacle(config, adapters) : null;
        if (why != null) {
            throw new IllegalArgumentException("recomputed layer activations cover full fine-tuning of Llama-style"
                    + " layers; this " + config.architecture().className() + " cannot use them: " + why);
        }
    }

    /** Why the layers of {@code config} cannot be recomputed (trained through adapters or not), or null. */
    public static String obstacle(LlamaConfig config, boolean adapters) {
        return adapters ? "the model is trained through low-rank adapters"
                : config.architecture().blocks().qkvBias() ? "its attention projections have biases"
                : config.architecture().blocks().qkNorm() ? "its attention normalises queries and keys per head"
                : null;
    }
}
