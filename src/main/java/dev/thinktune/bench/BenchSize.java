package dev.thinktune.bench;

import dev.thinktune.model.LlamaConfig;

import java.util.Locale;

/** The model sizes every benchmark uses, so numbers compare across commands. */
public enum BenchSize {
    /** vocab 512, hidden 128, 4 layers, 4 heads / 2 kv heads, ffn 384; batch 8 x 128 tokens */
    TINY(512, 128, 4, 4, 2, 384, 8, 128),
    /** vocab 4096, hidden 512, 8 layers, 8 heads / 4 kv heads, ffn 1408; batch 8 x 256 tokens */
    SMALL(4096, 512, 8, 8, 4, 1408, 8, 256);

    private final int vocab, hidden, layers, heads, kvHeads, ffn, batch, seqLen;

    BenchSize(int vocab, int hidden, int layers, int heads, int kvHeads, int ffn, int batch, int seqLen) {
        this.vocab = vocab;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.ffn = ffn;
        this.batch = batch;
        this.seqLen = seqLen;
    }

    /** The architecture (untied head, no rope scaling; bos 1, eos 2). */
    public LlamaConfig config() {
        return LlamaConfig.of(vocab, hidden, ffn, layers, heads, kvHeads, 4096, false, 1, 2);
    }

    public int batch() {
        return batch;
    }

    public int seqLen() {
        return seqLen;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A size by its label ({@code tiny}, {@code small}), any case; an unknown label is refused by name. */
    public static BenchSize of(String label) {
        for (BenchSize s : values()) {
            if (s.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown size '" + label + "' (tiny, small)");
    }

    /** Matrix-multiply FLOPs of one forward pass over {@code tokens} tokens in sequences of {@code seqLen}. */
    public double forwardFlops(long tokens, int seqLen) {
        LlamaConfig c = config();
        double perTokenParams = c.parameterCount() - (double) c.vocabSize() * c.hiddenSize(); // embedding is a lookup
        double attention = 2.0 * 2 * c.numLayers() * seqLen * (double) c.numHeads() * c.headDim() / 2; // causal half
        return tokens * (2 * perTokenParams + attention);
    }
}
