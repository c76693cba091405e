package dev.thinktune.bench;

import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.RopeScaling;
import dev.thinktune.model.arch.Architecture;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The model shapes every benchmark uses, so numbers compare across commands: two small thinktune shapes and the
 * published configurations of real checkpoints (built with seeded random weights, never downloaded).
 */
public enum BenchSize {
    /** vocab 512, hidden 128, 4 layers, 4 heads / 2 kv heads, ffn 384; batch 8 x 128 tokens */
    TINY("tiny", LlamaConfig.of(512, 128, 384, 4, 4, 2, 4096, false, 1, 2), 8, 128),
    /** vocab 4096, hidden 512, 8 layers, 8 heads / 4 kv heads, ffn 1408; batch 8 x 256 tokens */
    SMALL("small", LlamaConfig.of(4096, 512, 1408, 8, 8, 4, 4096, false, 1, 2), 8, 256),
    /** tiny's layout with Llama 3's 128,256-token vocabulary, where a token's vocabulary-sized arrays dominate */
    TINY_V128K("tiny-v128k", LlamaConfig.of(128_256, 128, 384, 4, 4, 2, 4096, false, 1, 2), 8, 128),
    /** HuggingFaceTB/SmolLM2-135M: vocab 49,152, hidden 576, 30 layers, 9 / 3 heads, ffn 1536, tied; 8 x 256 */
    SMOLLM2_135M("smollm2-135m", smolLm2(49_152, 0, List.of(0)), 8, 256),
    /** SmolLM2-135M's layout with Llama 3's 128,256-token vocabulary (180M parameters); 8 x 256 */
    SMOLLM2_135M_V128K("smollm2-135m-v128k", smolLm2(128_256, 128_000, List.of(128_001, 128_008, 128_009)), 8, 256),
    /** meta-llama/Llama-3.2-1B: vocab 128,256, hidden 2048, 16 layers, 32 / 8 heads, ffn 8192, tied; 8 x 256 */
    LLAMA_3_2_1B("llama-3.2-1b", llama32(2048, 16, 32, 64), 8, 256),
    /** meta-llama/Llama-3.2-3B: vocab 128,256, hidden 3072, 28 layers, 24 / 8 heads, ffn 8192, tied; 8 x 256 */
    LLAMA_3_2_3B("llama-3.2-3b", llama32(3072, 28, 24, 128), 8, 256),
    /**
     * Qwen/Qwen2.5-0.5B: vocab 151,936, hidden 896, 24 layers, 14 / 2 heads of 64, ffn 4864, tied, rope_theta 1e6,
     * q/k/v biases; 8 x 256
     */
    QWEN2_5_0_5B("qwen2.5-0.5b", new LlamaConfig(151_936, 896, 4864, 24, 14, 2, 64, 1e-6, 1_000_000.0, null, 32_768,
            true, 151_643, List.of(151_643), Architecture.QWEN2), 8, 256);

    private final String label;
    private final LlamaConfig config;
    private final int batch;
    private final int seqLen;

    BenchSize(String label, LlamaConfig config, int batch, int seqLen) {
        this.label = label;
        this.config = config;
        this.batch = batch;
        this.seqLen = seqLen;
    }

    /** SmolLM2-135M's published config.json, with the given vocabulary and special tokens. */
    private static LlamaConfig smolLm2(int vocab, int bos, List<Integer> eos) {
        return new LlamaConfig(vocab, 576, 1536, 30, 9, 3, 64, 1e-5, 100_000.0, null, 8192, true, bos, eos);
    }

    /** Llama 3.2's published config.json (rope_theta 500,000, llama3 rope scaling with factor 32). */
    private static LlamaConfig llama32(int hidden, int layers, int heads, int headDim) {
        return new LlamaConfig(128_256, hidden, 8192, layers, heads, 8, headDim, 1e-5, 500_000.0,
                new RopeScaling(32.0, 1.0, 4.0, 8192), 131_072, true, 128_000, List.of(128_001, 128_008, 128_009));
    }

    /** The architecture. */
    public LlamaConfig config() {
        return config;
    }

    public int batch() {
        return batch;
    }

    public int seqLen() {
        return seqLen;
    }

    public String label() {
        return label;
    }

    /** A size by its label ({@code tiny}, {@code llama-3.2-1b}, ...), any case; an unknown label is refused by name. */
    public static BenchSize of(String label) {
        for (BenchSize s : values()) {
            if (s.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown size '" + label + "' (" + labels() + ")");
    }

    /** Every label, comma-separated. */
    public static String labels() {
        return Arrays.stream(values()).map(BenchSize::label).collect(Collectors.joining(", "));
    }

    /** Matrix-multiply FLOPs of one forward pass over {@code tokens} tokens in sequences of {@code seqLen}. */
    public double forwardFlops(long tokens, int seqLen) {
        LlamaConfig c = config();
        // the embedding is a lookup; a tied head is still a product
        double perTokenParams = c.parameterCount() - (c.tieWordEmbeddings() ? 0 : (double) c.vocabSize() * c.hiddenSize());
        double attention = 2.0 * 2 * c.numLayers() * seqLen * (double) c.numHeads() * c.headDim() / 2; // causal half
        return tokens * (2 * perTokenParams + attention);
    }
}
