package dev.thinktune.model;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.ops.CausalAttention;
import dev.thinktune.model.ops.DecoderLayer;
import dev.thinktune.model.ops.EmbeddingLookup;
import dev.thinktune.model.ops.JavaOps;
import dev.thinktune.model.ops.Linear;
import dev.thinktune.model.ops.RmsNorm;
import dev.thinktune.model.ops.Rotary;
import dev.thinktune.model.ops.SwiGlu;
import dev.thinktune.model.ops.TokenLogprobs;
import org.nd4j.autodiff.samediff.NameScope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;


/**
 * The Llama-family decoder (Llama, Qwen2, Qwen3: see {@link dev.thinktune.model.arch.Architecture}) as a SameDiff graph,
 * top to bottom, with Hugging Face tensor names on its variables.
 *
 * <pre>
 * input_ids [B,T] ─ embedding lookup ─► x [B*T, D]
 * per layer:  x += o_proj(attention(rope(q_proj(rms(x))), rope(k_proj(rms(x))), v_proj(rms(x))))
 *             (q_proj, k_proj, v_proj add their bias where the architecture has one: Qwen2;
 *              q and k are RMS-normalised per head before rope where it says so: Qwen3)
 *             x += down_proj(silu(gate_proj(rms(x))) * up_proj(rms(x)))
 * logits = rms(x) · lm_head^T ─► [B,T,V];  token_logprobs[b,t] = log_softmax(logits[b,t])[input_ids[b,t+1]]
 * (token_logprobs is computed a block of positions at a time, without the [B,T,V] logits)
 * </pre>
 *
 * Hidden states stay 2-D {@code [B*T, D]} so every projection is one plain matrix product. Rotary angles come
 * from {@code position_ids}. The embedding lookup, the attention and the head's per-token log-probabilities are
 * thinktune ops computed in Java ({@link EmbeddingLookup}, {@link CausalAttention}, {@link TokenLogprobs}):
 * SameDiff M2.1's gather has a wrong gradient; attention built from SameDiff's ops would hold {@code [B, H, T, T]}
 * scores, probabilities and their gradients (the fused op masks causally and by {@code attention_mask}, left and
 * right padding, and keeps a log-sum-exp per query); and the log-softmax route would hold several
 * {@code [tokens, vocab]} arrays (230 MB each for 448 tokens at Llama 3's 128,256-token vocabulary). The
 * projections ({@link Linear}), RMSNorm ({@link RmsNorm}), SwiGLU ({@link SwiGlu}) and the rotary embedding
 * ({@link Rotary}) are Java ops too, each one pass over its rows each way, where SameDiff's element-wise ops cost a
 * pass and bookkeeping apiece (see the README's op profile).
 */
public final class LlamaGraph {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String LOGITS = "logits";
    public static final String TOKEN_LOGPROBS = "token_logprobs";

    private final SameDiff sd;
    private final LlamaConfig cfg;
    /** The adapters on the projections, or null (full fine-tuning). */
    private final LoraAdapters adapters;
    private final SDVariable batchTime; // [B, T]
    private final LayerActivations activations;

    private LlamaGraph(SameDiff sd, LlamaConfig cfg, LoraAdapters adapters, SDVariable ids,
                       LayerActivations activations) {
        this.sd = sd;
        this.cfg = cfg;
        this.adapters = adapters;
        this.activations = activations;
        try (NameScope ignored = sd.withNameScope("inputs")) {
            this.batchTime = named(sd.shape(ids).castTo(DataType.LONG), "batch_time");
        }
    }

    /**
     * Adds the student to {@code sd} with the given weights as its trainable variables (the arrays are used
     * as they are, not copied) and returns the output variable {@value #TOKEN_LOGPROBS}.
     */
    public static SDVariable build(SameDiff sd, ModelWeights weights) {
        return build(sd, weights, null);
    }

    /**
     * As {@link #build(SameDiff, ModelWeights)}, with low-rank adapters on the projections they target when
     * {@code adapters} is not null: the adapters are then the graph's trainable variables and the weights are
     * constants (no gradient is computed or held for them). Each adapted projection computes
     * {@code x W^T + (alpha / r) * (x A^T) B^T}.
     */
    public static SDVariable build(SameDiff sd, ModelWeights weights, LoraAdapters adapters) {
        return build(sd, weights, adapters, LayerActivations.KEPT);
    }

    /**
     * As {@link #build(SameDiff, ModelWeights, LoraAdapters)}, with each decoder layer one op whose gradient
     * recomputes its activations when {@code activations} is {@link LayerActivations#RECOMPUTED} (see
     * {@link LayerActivations#check}).
     */
    public static SDVariable build(SameDiff sd, ModelWeights weights, LoraAdapters adapters,
                                   LayerActivations activations) {
        activations.check(weights.config(), adapters != null);
        SessionArrayCache.install(); // the session that runs the graph's Java ops
        JavaOps.register();
        LlamaConfig cfg = weights.config();
        if (adapters == null) {
            weights.tensors().forEach(sd::var);
        } else {
            if (!adapters.modelConfig().equals(cfg)) {
                throw new IllegalArgumentException("the adapters were made for another model: "
                        + adapters.modelConfig());
            }
            weights.tensors().forEach(sd::constant);
            adapters.tensors().forEach(sd::var);
        }
        SDVariable ids = sd.placeHolder(INPUT_IDS, DataType.INT32, -1, -1);
        SDVariable mask = sd.placeHolder(ATTENTION_MASK, DataType.FLOAT, -1, -1);
        SDVariable pos = sd.placeHolder(POSITION_IDS, DataType.INT32, -1, -1);
        LlamaGraph g = new LlamaGraph(sd, cfg, adapters, ids, activations);
        return g.forward(ids, mask, pos);
    }

    /**
     * The forward pass. Every op is created in the name scope of the Hugging Face module it belongs to
     * ({@code model.layers.2.self_attn/context}, {@code model.layers.2.mlp/swiglu}, {@code lm_head/logits}), so
     * the graph reads by module in the UI and in error messages.
     */
    private SDVariable forward(SDVariable ids, SDVariable mask, SDVariable pos) {
        int V = cfg.vocabSize(), D = cfg.hiddenSize();
        SDVariable x;
        try (NameScope ignored = sd.withNameScope("model.embed_tokens")) {
            SDVariable flatIds = named(sd.reshape(ids, -1), "ids");                             // [N]
            x = EmbeddingLookup.apply(sd, scoped("lookup"), w("model.embed_tokens.weight"), flatIds); // [N, D]
        }
        SDVariable[] rope;
        try (NameScope ignored = sd.withNameScope("model.rotary_emb")) {
            rope = rotaryTables(pos);
        }
        for (int l = 0; l < cfg.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            if (activations == LayerActivations.RECOMPUTED) {
                try (NameScope ignored = sd.withNameScope("model.layers." + l)) {
                    x = DecoderLayer.apply(sd, scoped("out"), x, rope[0], rope[1], mask, cfg.rmsNormEps(),
                            1.0 / Math.sqrt(cfg.headDim()), DecoderLayer.WEIGHTS.stream().map(n -> w(p + n)).toList());
                }
                continue;
            }
            SDVariable h = rmsNorm(x, p + "input_layernorm");
            SDVariable attn = attention(h, p + "self_attn", rope, mask);
            try (NameScope ignored = sd.withNameScope("model.layers." + l)) {
                x = named(x.add(attn), "attn_residual");
            }
            SDVariable h2 = rmsNorm(x, p + "post_attention_layernorm");
            SDVariable mlp = mlp(h2, p + "mlp");
            try (NameScope ignored = sd.withNameScope("model.layers." + l)) {
                x = named(x.add(mlp), "mlp_residual");
            }
        }
        x = rmsNorm(x, "model.norm");                                                          // [N, D]
        SDVariable head = cfg.tieWordEmbeddings() ? w("model.embed_tokens.weight") : w("lm_head.weight");
        SDVariable logits2d, logitsShape;
        try (NameScope ignored = sd.withNameScope("lm_head")) {
            // the full logits, computed only when asked for (inspection, tests); training never builds them
            logits2d = named(linear(x, head), "logits");                                    // [N, V]
            logitsShape = shape(batchTime, V);
        }
        sd.reshape(LOGITS, logits2d, logitsShape);                                               // [B, T, V]

        // log-probability of each next token: positions 0..T-2 predict ids 1..T-1
        SDVariable logp, next, nextShape;
        try (NameScope ignored = sd.withNameScope("logprobs")) {
            SDVariable xHead = named(sd.stridedSlice(sd.reshape(x, shape(batchTime, D)), new long[]{0, 0, 0},
                    new long[]{0, -1, 0}, new long[]{1, 1, 1}, 0b111, 0b101, 0, 0, 0), "predicting"); // [B, T-1, D]
            next = named(sd.stridedSlice(ids, new long[]{0, 1}, new long[]{0, 0},
                    new long[]{1, 1}, 0b01, 0b11, 0, 0, 0), "targets");                          // [B, T-1]
            logp = TokenLogprobs.apply(sd, scoped("token"), sd.reshape(xHead, -1, D), head,
                    sd.reshape(next, -1));                                                       // [B*(T-1)]
            nextShape = sd.shape(next);
        }
        return sd.reshape(TOKEN_LOGPROBS, logp, nextShape);                                       // [B, T-1]
    }

    /** {@code v} renamed to {@code name} in the current name scope. */
    private SDVariable named(SDVariable v, String name) {
        return v.rename(scoped(name));
    }

    /** {@code name} in the current name scope ({@code scope/name}). */
    private String scoped(String name) {
        String scope = sd.currentNameScope();
        return scope == null ? name : scope + "/" + name;
    }

    /**
     * cos and sin of the rotary angles of each position, halves repeated as transformers lays them out:
     * {cos, sin} [N, hd]; {@link Rotary} applies them to every head.
     */
    private SDVariable[] rotaryTables(SDVariable pos) {
        double[] inv = cfg.inverseFrequencies();
        float[] invF = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            invF[i] = (float) inv[i];
        }
        SDVariable invFreq = sd.constant("rope_inv_freq", Nd4j.createFromArray(invF).reshape(1, inv.length));
        SDVariable angles = sd.reshape(pos, -1, 1).castTo(DataType.FLOAT).mul(invFreq);   // [N, hd/2]
        SDVariable full = sd.concat(1, angles, angles);                                     // [N, hd]
        return new SDVariable[]{sd.math.cos(full), sd.math.sin(full)}; // named model.rotary_emb/cos, /sin
    }

    private SDVariable attention(SDVariable h, String module, SDVariable[] rope, SDVariable mask) {
        try (NameScope ignored = sd.withNameScope(module)) {
            return attentionIn(h, module + ".", rope, mask);
        }
    }

    private SDVariable attentionIn(SDVariable h, String p, SDVariable[] rope, SDVariable mask) {
        int KV = cfg.numKvHeads(), hd = cfg.headDim();
        SDVariable q = named(projection(h, p + "q_proj"), "q");                             // [N, H*hd]
        SDVariable k = named(projection(h, p + "k_proj"), "k");                             // [N, KV*hd]
        SDVariable v = named(projection(h, p + "v_proj"), "v");                             // [N, KV*hd]
        // q scaled by 1/sqrt(hd) here rather than the scores in attention
        SDVariable qRot = Rotary.apply(sd, scoped("q_rot"), headNorm(q, p + "q_norm"), rope[0], rope[1],
                1.0 / Math.sqrt(hd));                                                           // [N, H, hd]
        SDVariable kRot = Rotary.apply(sd, scoped("k_rot"), headNorm(k, p + "k_norm"), rope[0], rope[1], 1.0);

        SDVariable v3 = named(sd.reshape(v, -1, KV, hd), "v_heads");                           // [N, KV, hd]
        SDVariable merged = CausalAttention.apply(sd, scoped("context"), qRot, kRot, v3, mask);  // [N, H*hd]
        return named(projection(merged, p + "o_proj"), "out");
    }

    /**
     * Qwen3's RMSNorm over each head of x [N, heads*hd] (weight {@code module.weight} of hd) as [N*heads, hd]
     * rows; x itself where the architecture has no such norm.
     */
    private SDVariable headNorm(SDVariable x, String module) {
        if (!cfg.architecture().blocks().qkNorm()) {
            return x;
        }
        return rmsNorm(sd.reshape(x, -1, cfg.headDim()), module);                             // [N*heads, hd]
    }

    private SDVariable mlp(SDVariable h, String module) {
        String p = module + ".";
        try (NameScope ignored = sd.withNameScope(module)) {
            SDVariable gate = named(projection(h, p + "gate_proj"), "gate");                    // [N, F]
            SDVariable up = named(projection(h, p + "up_proj"), "up");                          // [N, F]
            SDVariable act = SwiGlu.apply(sd, scoped("swiglu"), gate, up);                     // silu(gate) * up
            return named(projection(act, p + "down_proj"), "out");                              // [N, D]
        }
    }

    /**
     * The projection {@code module} ({@code model.layers.0.self_attn.q_proj}) of x: {@code x W^T}, plus
     * {@code (alpha / r) * (x A^T) B^T} when it has an adapter, plus its bias {@code b} when the architecture
     * gives it one (Qwen2's q, k and v). {@link Linear} computes the product; a frozen weight's (a constant's)
     * gradient is skipped; the bias is a variable or a constant with the weight.
     */
    private SDVariable projection(SDVariable x, String module) {
        SDVariable product = product(x, module);                                             // [N, out]
        String bias = module + ".bias";
        if (!sd.hasVariable(bias)) {
            return product;
        }
        String leaf = module.substring(module.lastIndexOf('.') + 1);
        return sd.nn.biasAdd(scoped(leaf + "_bias"), product, w(bias), false);              // [N, out] + [out]
    }

    /** {@code x W^T} of projection {@code module}, with its adapter's product when it has one. */
    private SDVariable product(SDVariable x, String module) {
        SDVariable weight = w(module + ".weight");
        String leaf = module.substring(module.lastIndexOf('.') + 1);
        SDVariable base = Linear.apply(sd, scoped(leaf), x, weight);
        if (!weight.isConstant() || adapters == null || !adapters.has(module)) {
            return base;
        }
        try (NameScope ignored = sd.withNameScope(leaf)) {
            SDVariable down = named(linear(x, w(module + LoraAdapters.A)), "lora_A");          // [N, r]
            SDVariable up = named(linear(down, w(module + LoraAdapters.B)), "lora_B");          // [N, out]
            return base.add(up.mul(adapters.config().scale()));
        }
    }

    /** x [N, in] times W^T for W [out, in] (transformers' layout), without materialising the transpose. */
    private SDVariable linear(SDVariable x, SDVariable weight) {
        return Linear.apply(sd, null, x, weight);
    }

    /** transformers' LlamaRMSNorm of the rows of x with the weight of {@code module} ({@link RmsNorm}). */
    private SDVariable rmsNorm(SDVariable x, String module) {
        SDVariable weight = w(module + ".weight");
        try (NameScope ignored = sd.withNameScope(module)) {
            return RmsNorm.apply(sd, scoped("out"), x, weight, cfg.rmsNormEps());
        }
    }

    private SDVariable w(String name) {
        return sd.getVariable(name);
    }

    /** A dynamic shape vector: the given prefix shape variable followed by constant dimensions. */
    private SDVariable shape(SDVariable prefix, long... dims) {
        return concat(prefix, constant(dims));
    }

    private SDVariable concat(SDVariable... parts) {
        return sd.concat(0, parts);
    }

    private SDVariable constant(long... dims) {
        return sd.constant(Nd4j.createFromArray(dims));
    }
}
