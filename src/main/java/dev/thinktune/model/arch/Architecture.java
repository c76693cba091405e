package dev.thinktune.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.LlamaConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A family of decoder-only students: how its {@code config.json} names it, which values of that file it refuses,
 * which blocks its forward pass has, and so which tensors a checkpoint of it holds. Everything that builds,
 * reads, writes or runs a student asks its {@link LlamaConfig#architecture()}: the SameDiff graph and the
 * rollout decoder for {@link #blocks()}, the weight initialiser, the checkpoint reader and writer and
 * {@code inspect} for {@link #tensors}. Adding a family is adding one implementation here (and, where its forward
 * pass differs, the block that differs in both executors).
 */
public sealed interface Architecture permits LlamaArchitecture, Qwen2Architecture, Qwen3Architecture {

    /** Llama 1-3 ({@code LlamaForCausalLM}). */
    Architecture LLAMA = new LlamaArchitecture();
    /** Qwen2 and Qwen2.5 ({@code Qwen2ForCausalLM}): Llama with biases on the query, key and value projections. */
    Architecture QWEN2 = new Qwen2Architecture();
    /** Qwen3 ({@code Qwen3ForCausalLM}): Llama with an RMSNorm on each query and key head, no biases. */
    Architecture QWEN3 = new Qwen3Architecture();
    /** Every supported family, in the order error messages list them. */
    List<Architecture> ALL = List.of(LLAMA, QWEN2, QWEN3);

    /** {@code config.json}'s {@code model_type} ({@code llama}). */
    String modelType();

    /** {@code config.json}'s {@code architectures} entry ({@code LlamaForCausalLM}). */
    String className();

    /** The blocks the forward pass has beyond Llama's. */
    Blocks blocks();

    /** Refuses a {@code config.json} value this family has but thinktune cannot honour, naming the field. */
    void check(JsonNode config);

    /** Adds this family's own fields to a {@code config.json} being written (the shared ones are written already). */
    void describe(ObjectNode config, LlamaConfig model);

    /**
     * Every parameter tensor of a model of this family, in checkpoint order: Hugging Face name, shape and how a
     * fresh model starts it (matrices normal, norms 1, biases 0).
     */
    default List<TensorSpec> tensors(LlamaConfig c) {
        long d = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        long q = (long) c.numHeads() * c.headDim(), kv = (long) c.numKvHeads() * c.headDim();
        boolean bias = blocks().qkvBias();
        List<TensorSpec> t = new ArrayList<>();
        t.add(TensorSpec.normal("model.embed_tokens.weight", v, d));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            t.add(TensorSpec.norm(p + "input_layernorm.weight", d));
            projection(t, p + "self_attn.q_proj", q, d, bias);
            projection(t, p + "self_attn.k_proj", kv, d, bias);
            projection(t, p + "self_attn.v_proj", kv, d, bias);
            projection(t, p + "self_attn.o_proj", d, q, false);
            if (blocks().qkNorm()) {
                t.add(TensorSpec.norm(p + "self_attn.q_norm.weight", c.headDim()));
                t.add(TensorSpec.norm(p + "self_attn.k_norm.weight", c.headDim()));
            }
            t.add(TensorSpec.norm(p + "post_attention_layernorm.weight", d));
            projection(t, p + "mlp.gate_proj", f, d, false);
            projection(t, p + "mlp.up_proj", f, d, false);
            projection(t, p + "mlp.down_proj", d, f, false);
        }
        t.add(TensorSpec.norm("model.norm.weight", d));
        if (!c.tieWordEmbeddings()) {
            t.add(TensorSpec.normal("lm_head.weight", v, d));
        }
        return t;
    }

    private static void projection(List<TensorSpec> t, String module, long out, long in, boolean bias) {
        t.add(TensorSpec.normal(module + ".weight", out, in));
        if (bias) {
            t.add(TensorSpec.bias(module + ".bias", out));
        }
    }

    /** The family whose {@code model_type} is {@code modelType}; an unknown one is refused with the known ones. */
    static Architecture of(String modelType) {
        for (Architecture a : ALL) {
            if (a.modelType().equals(modelType)) {
                return a;
            }
        }
        throw new CheckpointException("config.json: model_type '" + modelType + "' is not supported ("
                + ALL.stream().map(Architecture::modelType).collect(Collectors.joining(", ")) + ")");
    }
}
