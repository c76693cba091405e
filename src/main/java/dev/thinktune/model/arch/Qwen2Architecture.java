package dev.thinktune.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.LlamaConfig;

/**
 * Qwen2 and Qwen2.5 ({@code model_type: qwen2}, transformers' {@code modeling_qwen2.py}): Llama's forward pass
 * with a bias on the query, key and value projections (none on o_proj or the MLP). Sliding-window attention
 * ({@code use_sliding_window: true}) is refused; the published checkpoints have it off.
 */
public record Qwen2Architecture() implements Architecture {

    @Override
    public String modelType() {
        return "qwen2";
    }

    @Override
    public String className() {
        return "Qwen2ForCausalLM";
    }

    @Override
    public Blocks blocks() {
        return new Blocks(true, false);
    }

    @Override
    public void check(JsonNode config) {
        refuseSlidingWindow(config);
    }

    /** Refuses {@code use_sliding_window: true} (Qwen2's and Qwen3's configs both have the field). */
    static void refuseSlidingWindow(JsonNode config) {
        if (config.path("use_sliding_window").asBoolean(false)) {
            throw new CheckpointException("config.json: use_sliding_window true is not supported (thinktune "
                    + "attends over the whole sequence); only false is");
        }
    }

    @Override
    public void describe(ObjectNode config, LlamaConfig model) {
        config.put("use_sliding_window", false);
        config.put("max_window_layers", model.numLayers());
    }
}
