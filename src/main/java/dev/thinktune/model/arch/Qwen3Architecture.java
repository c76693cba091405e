package dev.thinktune.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.LlamaConfig;

/**
 * Qwen3 dense models ({@code model_type: qwen3}, transformers' {@code modeling_qwen3.py}): Llama's forward pass with
 * an RMSNorm over each query and key head (weights of {@code head_dim}, which the config gives) before the rotary
 * embedding, and no biases. {@code attention_bias: true} and sliding-window attention are refused.
 */
public record Qwen3Architecture() implements Architecture {

    @Override
    public String modelType() {
        return "qwen3";
    }

    @Override
    public String className() {
        return "Qwen3ForCausalLM";
    }

    @Override
    public Blocks blocks() {
        return new Blocks(false, true);
    }

    @Override
    public void check(JsonNode config) {
        if (config.path("attention_bias").asBoolean(false)) {
            throw new CheckpointException("config.json: attention_bias true is not supported for qwen3");
        }
        Qwen2Architecture.refuseSlidingWindow(config);
    }

    @Override
    public void describe(ObjectNode config, LlamaConfig model) {
        config.put("attention_bias", false);
        QWEN2.describe(config, model);
    }
}
