package dev.thinktune.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.LlamaConfig;

import java.util.List;

/** Llama ({@code model_type: llama}): RMSNorm, rotary attention with grouped keys and values, SwiGLU, no biases. */
public record LlamaArchitecture() implements Architecture {

    @Override
    public String modelType() {
        return "llama";
    }

    @Override
    public String className() {
        return "LlamaForCausalLM";
    }

    @Override
    public Blocks blocks() {
        return Blocks.NONE;
    }

    /** Refuses {@code attention_bias} (which also puts a bias on o_proj) and {@code mlp_bias}. */
    @Override
    public void check(JsonNode config) {
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (config.path(bias).asBoolean(false)) {
                throw new CheckpointException("config.json: " + bias + " true is not supported");
            }
        }
    }

    @Override
    public void describe(ObjectNode config, LlamaConfig model) {
        config.put("attention_bias", false);
        config.put("mlp_bias", false);
    }
}
