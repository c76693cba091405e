package dev.thinktune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.thinktune.model.arch.Architecture;
import dev.thinktune.model.arch.TensorSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a Llama-style student, read from (and written as) a Hugging Face {@code config.json}, and its
 * {@link Architecture} (the family: Llama, Qwen2), which says which tensors it has and which blocks its forward
 * pass runs. Fields that thinktune cannot honour (another rope type, sliding windows, another activation) are
 * refused by name.
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        Architecture architecture) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (architecture == null) {
            architecture = Architecture.LLAMA;
        }
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositions);
        if (numHeads % numKvHeads != 0) {
            throw new CheckpointException("config.json: num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw new CheckpointException("config.json: head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (!(rmsNormEps > 0)) {
            throw new CheckpointException("config.json: rms_norm_eps must be > 0, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new CheckpointException("config.json: rope_theta must be > 0, got " + ropeTheta);
        }
        for (int id : eosTokenIds) {
            if (id < 0 || id >= vocabSize) {
                throw new CheckpointException("config.json: eos_token_id " + id + " outside the vocabulary ("
                        + vocabSize + ")");
            }
        }
    }

    /** A Llama config (the family thinktune's own models and most callers use). */
    public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                       int maxPositions, boolean tieWordEmbeddings, int bosTokenId, List<Integer> eosTokenIds) {
        this(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, rmsNormEps,
                ropeTheta, ropeScaling, maxPositions, tieWordEmbeddings, bosTokenId, eosTokenIds, Architecture.LLAMA);
    }

    /** This shape in another family (a Llama checkpoint's weights read as Qwen2, say). */
    public LlamaConfig withArchitecture(Architecture other) {
        return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, ropeScaling, maxPositions, tieWordEmbeddings, bosTokenId, eosTokenIds, other);
    }

    /**
     * This config with the {@code eos_token_id} of a {@code generation_config.json} added to its end-of-sequence
     * ids (Qwen2.5-Instruct's config names {@code <|im_end|>}, its generation config also {@code <|endoftext|>}).
     */
    public LlamaConfig withGenerationConfig(Path generationConfig) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(generationConfig));
        } catch (IOException e) {
            throw new CheckpointException(generationConfig + ": cannot read: " + e.getMessage(), e);
        }
        java.util.LinkedHashSet<Integer> eos = new java.util.LinkedHashSet<>(eosTokenIds);
        try {
            eos.addAll(ids(root == null ? null : root.get("eos_token_id")));
            return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                    rmsNormEps, ropeTheta, ropeScaling, maxPositions, tieWordEmbeddings, bosTokenId,
                    List.copyOf(eos), architecture);
        } catch (CheckpointException e) {
            throw new CheckpointException(generationConfig + ": " + e.getMessage().replaceFirst("^config.json: ", ""),
                    e);
        }
    }

    /** The divisor of {@code n} nearest to {@code near}, for a suggestion. */
    private static int nearestDivisor(int n, int near) {
        for (int d = 0; ; d++) {
            if (near - d > 0 && n % (near - d) == 0) {
                return near - d;
            }
            if (n % (near + d) == 0) {
                return near + d;
            }
        }
    }

    private static void positive(String field, int v) {
        if (v <= 0) {
            throw new CheckpointException("config.json: " + field + " must be > 0, got " + v);
        }
    }

    /** Builds a config for thinktune's own models (no rope scaling unless given). */
    public static LlamaConfig of(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
                                 int maxPositions, boolean tied, int bos, int eos) {
        return new LlamaConfig(vocab, hidden, intermediate, layers, heads, kvHeads, hidden / heads, 1e-5, 10000.0,
                null, maxPositions, tied, bos, List.of(eos));
    }

    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int primaryEosTokenId() {
        return eosTokenIds.isEmpty() ? -1 : eosTokenIds.get(0);
    }

    /** The inverse rotary frequencies (length headDim/2), with Llama 3 scaling applied where configured. */
    public double[] inverseFrequencies() {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            double f = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
            inv[i] = ropeScaling == null ? f : ropeScaling.scale(f);
        }
        return inv;
    }

    /** Number of parameters (tensors of the checkpoint). */
    public long parameterCount() {
        return tensors().stream().mapToLong(TensorSpec::size).sum();
    }

    /** Every parameter tensor, in checkpoint order, as the architecture describes it. */
    public List<TensorSpec> tensors() {
        return architecture.tensors(this);
    }

    public static LlamaConfig read(Path configJson) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new CheckpointException(configJson + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(configJson + ": not a JSON object");
        }
        try {
            return fromJson(root);
        } catch (CheckpointException e) {
            throw new CheckpointException(configJson + ": " + e.getMessage().replaceFirst("^config.json: ", ""), e);
        }
    }

    public static LlamaConfig fromJson(JsonNode c) {
        Architecture arch = Architecture.of(c.path("model_type").asText("llama"));
        arch.check(c);
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new CheckpointException("config.json: hidden_act '" + act + "' is not supported (silu)");
        }
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        int kv = c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull()
                ? c.get("num_key_value_heads").asInt() : heads;
        boolean explicitHeadDim = c.has("head_dim") && !c.get("head_dim").isNull();
        if (!explicitHeadDim && heads > 0 && hidden % heads != 0) {
            throw new CheckpointException("config.json: hidden_size " + hidden + " is not divisible by "
                    + "num_attention_heads " + heads + "; use a head count that divides it (e.g. "
                    + nearestDivisor(hidden, heads) + "), or give head_dim");
        }
        int headDim = explicitHeadDim ? c.get("head_dim").asInt() : hidden / Math.max(1, heads);
        RopeScaling scaling = null;
        JsonNode rs = c.get("rope_scaling");
        if (rs != null && !rs.isNull()) {
            String type = rs.has("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText("");
            if (!type.toLowerCase(Locale.ROOT).equals("llama3")) {
                throw new CheckpointException("config.json: rope_scaling.rope_type '" + type
                        + "' is not supported (null or llama3)");
            }
            scaling = new RopeScaling(rs.path("factor").asDouble(8.0), rs.path("low_freq_factor").asDouble(1.0),
                    rs.path("high_freq_factor").asDouble(4.0),
                    rs.path("original_max_position_embeddings").asInt(8192));
        }
        List<Integer> eos = ids(c.get("eos_token_id"));
        List<Integer> bos = ids(c.get("bos_token_id"));
        return new LlamaConfig(required(c, "vocab_size"), hidden, required(c, "intermediate_size"),
                required(c, "num_hidden_layers"), heads, kv, headDim, c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000.0), scaling, c.path("max_position_embeddings").asInt(2048),
                c.path("tie_word_embeddings").asBoolean(false), bos.isEmpty() ? -1 : bos.get(0), eos, arch);
    }

    private static int required(JsonNode c, String field) {
        JsonNode v = c.get(field);
        if (v == null || v.isNull()) {
            throw new CheckpointException("config.json: missing field " + field);
        }
        if (!v.canConvertToInt()) {
            throw new CheckpointException("config.json: " + field + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static List<Integer> ids(JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isArray()) {
            java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
            v.forEach(x -> out.add(x.asInt()));
            return out;
        }
        if (!v.canConvertToInt()) {
            throw new CheckpointException("config.json: token id must be an integer or a list, got " + v);
        }
        return List.of(v.asInt());
    }

    /** This config as a transformers {@code config.json} object. */
    public ObjectNode toJson() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(architecture.className());
        c.put("model_type", architecture.modelType());
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("intermediate_size", intermediateSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("num_key_value_heads", numKvHeads);
        c.put("head_dim", headDim);
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", rmsNormEps);
        c.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            c.putNull("rope_scaling");
        } else {
            ObjectNode rs = c.putObject("rope_scaling");
            rs.put("factor", ropeScaling.factor());
            rs.put("high_freq_factor", ropeScaling.highFreqFactor());
            rs.put("low_freq_factor", ropeScaling.lowFreqFactor());
            rs.put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
            rs.put("rope_type", "llama3");
        }
        architecture.describe(c, this);
        c.put("attention_dropout", 0.0);
        c.put("tie_word_embeddings", tieWordEmbeddings);
        if (bosTokenId >= 0) {
            c.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            c.put("eos_token_id", eosTokenIds.get(0));
        } else {
            ArrayNode a = c.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        c.put("torch_dtype", "float32");
        c.put("use_cache", true);
        return c;
    }

    public String toJsonString() {
        try {
            return JSON.writeValueAsString(toJson()) + "\n";
        } catch (IOException e) {
            throw new CheckpointException("cannot encode config: " + e.getMessage(), e);
        }
    }

    /** Hugging Face names and shapes of every parameter tensor, in checkpoint order. */
    public java.util.LinkedHashMap<String, long[]> parameterShapes() {
        java.util.LinkedHashMap<String, long[]> m = new java.util.LinkedHashMap<>();
        tensors().forEach(t -> m.put(t.name(), t.shape()));
        return m;
    }
}
