package dev.thinktune.model.arch;

/**
 * The blocks of a family's forward pass that Llama's does not have; both executors (the SameDiff graph and the
 * rollout decoder) read them.
 *
 * @param qkvBias a bias vector added to the query, key and value projections ({@code q_proj.bias}, ...)
 * @param qkNorm  an RMSNorm over each query and key head ({@code q_norm.weight}, {@code k_norm.weight}, of
 *                {@code head_dim}) before the rotary embedding
 */
public record Blocks(boolean qkvBias, boolean qkNorm) {
    /** Llama's forward pass: no extra blocks. */
    public static final Blocks NONE = new Blocks(false, false);
}
