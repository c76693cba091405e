package dev.thinktune.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.CheckpointShards;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.SafetensorsWriter;
import dev.thinktune.model.arch.Architecture;
import dev.thinktune.model.arch.TensorSpec;
import dev.thinktune.tokenizer.BpeTrainer;
import dev.thinktune.tokenizer.ByteLevelAlphabet;
import dev.thinktune.tokenizer.TokenizerJsonWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Writes a seeded random-weight checkpoint of any architecture as a Hugging Face directory in the layout the
 * hub has: {@code config.json} with the published fields ({@code torch_dtype: bfloat16}, rope scaling, a
 * list-valued {@code eos_token_id} where the config has several), bfloat16 safetensors split into shards of at
 * most {@code maxShardBytes} with {@code model.safetensors.index.json} (transformers' {@code save_pretrained}:
 * tensors in model order, a new shard when the next tensor would overflow), and a byte-level BPE tokenizer of
 * the model's vocabulary size built in-process. Weights are normal(0, {@value #STD}) and norms 1.0, as
 * transformers initialises a Llama, so activations stay finite. Each tensor is generated while it is written,
 * never held whole; the directory appears atomically.
 */
public final class RandomCheckpoint {
    /** Standard deviation of the random matrices (transformers' initializer_range). */
    public static final double STD = 0.02;
    /** transformers' default {@code max_shard_size} ("5GB"). */
    public static final long HUB_SHARD_BYTES = CheckpointShards.HUB_SHARD_BYTES;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RandomCheckpoint() {
    }

    /** What was written: the directory, its weight files, their tensor bytes, parameters and seconds taken. */
    public record Written(Path dir, List<Path> weightFiles, long tensorBytes, long parameters, double seconds) {
    }

    /** Writes {@code config}'s checkpoint into {@code dir} (replacing it), reporting each shard to {@code progress}. */
    public static Written write(LlamaConfig config, Path dir, long seed, long maxShardBytes, Consumer<String> progress) {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("max shard size must be >= 1 byte, got " + maxShardBytes);
        }
        long t0 = System.nanoTime();
        Path abs = dir.toAbsolutePath();
        CheckpointShards.Written written;
        try {
            Files.createDirectories(abs.getParent());
            Path staged = Files.createTempDirectory(abs.getParent(), abs.getFileName() + ".staging-");
            AtomicFiles.writeString(staged.resolve(HfCheckpoint.CONFIG), configJson(config));
            written = CheckpointShards.write(staged, config, DType.BF16, maxShardBytes,
                    name -> () -> values(seed, spec(config, name)), progress);
            writeTokenizer(config, staged);
            AtomicFiles.replaceDirectory(staged, abs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
        List<Path> files = written.files().stream().map(f -> abs.resolve(f.getFileName())).toList();
        long total = written.tensorBytes();
        return new Written(abs, files, total, config.parameterCount(), (System.nanoTime() - t0) / 1e9);
    }

    /** The tensors of each shard, in model order: a new shard when the next tensor would make it exceed the limit. */
    static List<List<String>> shards(LlamaConfig config, long maxShardBytes) {
        return CheckpointShards.plan(config, DType.BF16, maxShardBytes);
    }

    /** Qwen2's {@code <|im_end|>} id, after {@code <|endoftext|>} and {@code <|im_start|>}. */
    private static final int QWEN_IM_END = 151_645;

    /** The architecture's description of tensor {@code name}. */
    private static TensorSpec spec(LlamaConfig config, String name) {
        return config.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * A tensor's values as its architecture starts them: ones for a norm, zeros for a bias, normal(0, STD) seeded
     * by the seed and the name otherwise.
     */
    static SafetensorsWriter.Values values(long seed, TensorSpec spec) {
        switch (spec.init()) {
            case NORM_ONES -> {
                return (chunk, n) -> java.util.Arrays.fill(chunk, 0, n, 1f);
            }
            case ZEROS -> {
                return (chunk, n) -> java.util.Arrays.fill(chunk, 0, n, 0f);
            }
            default -> {
            }
        }
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + spec.name().hashCode());
        return (chunk, n) -> {
            for (int i = 0; i < n; i++) {
                chunk[i] = (float) (rng.nextGaussian() * STD);
            }
        };
    }

    /** {@code config.json} as the hub publishes it for this architecture, stored in bfloat16. */
    public static String configJson(LlamaConfig config) {
        ObjectNode c = config.toJson();
        c.put("initializer_range", STD);
        c.put("pretraining_tp", 1);
        c.put("torch_dtype", "bfloat16");
        // the published files list their keys in alphabetical order
        ObjectNode sorted = JSON.createObjectNode();
        new TreeMap<String, com.fasterxml.jackson.databind.JsonNode>(toMap(c)).forEach(sorted::set);
        try {
            return JSON.writeValueAsString(sorted) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, com.fasterxml.jackson.databind.JsonNode> toMap(ObjectNode node) {
        Map<String, com.fasterxml.jackson.databind.JsonNode> m = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    /**
     * A byte-level BPE tokenizer with exactly {@code config.vocabSize()} ids: the special tokens at the config's
     * ids (Llama 3's 256 at 128,000 and up for its vocabulary, Qwen2's {@code <|endoftext|>}, {@code <|im_start|>}
     * and {@code <|im_end|>} at 151,643-151,645 for its, else BOS and EOS), the 256 byte tokens, then merges
     * of byte pairs and of pairs with a third byte until every id is taken. Real text encodes into ids of the
     * vocabulary; the merges carry no meaning.
     */
    static BpeTrainer.Result tokenizer(LlamaConfig config) {
        int vocab = config.vocabSize();
        Map<Integer, String> specials = new TreeMap<>();
        if (vocab >= 128_256 && config.bosTokenId() == 128_000) {
            String[] named = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                    "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                    "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"};
            for (int i = 0; i < 256; i++) {
                specials.put(128_000 + i, i < named.length ? named[i]
                        : "<|reserved_special_token_" + (i - named.length + 3) + "|>");
            }
        } else if (config.architecture() == Architecture.QWEN2 && vocab > QWEN_IM_END) {
            specials.put(QWEN_IM_END - 2, "<|endoftext|>");
            specials.put(QWEN_IM_END - 1, "<|im_start|>");
            specials.put(QWEN_IM_END, "<|im_end|>");
        } else {
            List<Integer> eos = config.eosTokenIds();
            if (config.bosTokenId() >= 0) {
                specials.put(config.bosTokenId(), eos.contains(config.bosTokenId()) ? "<|endoftext|>"
                        : "<|begin_of_text|>");
            }
            for (int i = 0; i < eos.size(); i++) {
                specials.putIfAbsent(eos.get(i), i == 0 ? "<|end_of_text|>" : "<|eos_" + i + "|>");
            }
        }
        int regular = vocab - specials.size();
        if (regular < 256) {
            throw new IllegalArgumentException("vocabulary " + vocab + " has no room for the 256 byte tokens");
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<String[]> merges = new ArrayList<>();
        int[] next = {0};
        Consumer<String> add = token -> {
            while (specials.containsKey(next[0])) {
                next[0]++;
            }
            ids.put(token, next[0]++);
        };
        for (int b = 0; b < 256; b++) {
            add.accept(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }
        // pairs of bytes, then a pair and a byte, in a fixed order, until the regular ids are used up
        outer:
        for (int len = 2; ; len++) {
            for (int a = 0; a < 256; a++) {
                for (int b = 0; b < 256; b++) {
                    if (ids.size() == regular) {
                        break outer;
                    }
                    String left = len == 2 ? String.valueOf(ByteLevelAlphabet.charOf(a))
                            : String.valueOf(ByteLevelAlphabet.charOf(a)) + ByteLevelAlphabet.charOf(b);
                    String right = String.valueOf(ByteLevelAlphabet.charOf(len == 2 ? b : (a + b + len) & 0xff));
                    if (ids.containsKey(left + right) || !ids.containsKey(left)) {
                        continue;
                    }
                    merges.add(new String[]{left, right});
                    add.accept(left + right);
                }
            }
            if (len > 3) {
                throw new IllegalStateException("vocabulary " + vocab + " is too large for the synthetic merges");
            }
        }
        for (Map.Entry<Integer, String> e : specials.entrySet()) {
            ids.put(e.getValue(), e.getKey());
        }
        Map<String, Integer> byId = new LinkedHashMap<>();
        ids.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> byId.put(e.getKey(), e.getValue()));
        List<String> specialList = new ArrayList<>(specials.values());
        return new BpeTrainer.Result(byId, merges, specialList);
    }

    private static void writeTokenizer(LlamaConfig config, Path dir) {
        BpeTrainer.Result t = tokenizer(config);
        Map<Integer, String> byId = new TreeMap<>();
        t.specialTokens().forEach(s -> byId.put(t.vocab().get(s), s));
        String bos = byId.getOrDefault(config.bosTokenId(), t.specialTokens().get(0));
        String eos = byId.getOrDefault(config.primaryEosTokenId(), bos);
        TokenizerJsonWriter.write(t, dir, bos, eos, config.architecture() == Architecture.QWEN2
                ? TokenizerJsonWriter.Family.QWEN2 : TokenizerJsonWriter.Family.LLAMA3);
    }
}
