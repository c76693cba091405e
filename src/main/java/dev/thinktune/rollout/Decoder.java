package dev.thinktune.rollout;

import dev.thinktune.model.LlamaConfig;

import java.util.Arrays;

/**
 * The Llama-family forward pass (Llama, Qwen2, Qwen3) in plain Java over {@link DecoderWeights}, for any set of tokens that each sit at a known
 * position of a known cache slot: a prefill is all the tokens of some prompts, a decode step one token per live
 * sequence. Same math as {@code LlamaGraph}, top to bottom:
 *
 * <pre>
 * x = embed[id]                                                  [rows, D]
 * per layer:  q,k,v = rms(x)·Wqkvᵀ (+ bqkv, Qwen2);  q,k = rope(q,k, pos) (per-head rms first, Qwen3);
 *             cache[slot, pos] = k, v
 *             x += Woᵀ · softmax(q·Kᵀ/√hd over positions 0..pos of the slot) · V     (query head h reads kv head h/G)
 *             x += Wdown · (silu(rms(x)·Wgateᵀ) * rms(x)·Wupᵀ)
 * h = rms(x) for the rows whose logits are wanted;  logits = h · Wheadᵀ
 * </pre>
 *
 * <p>With low-rank {@link AdapterWeights}, each adapted projection {@code y = x·Wᵀ} also gets
 * {@code scale · (x·Aᵀ)·Bᵀ}: every thread computes the skinny {@code x·Aᵀ} of all its rows itself (as it
 * normalises them itself), and adds {@code B}'s part of each output panel right after the panel's base product,
 * so the adapters add no barrier (gate and up get theirs before SwiGLU).
 *
 * One forward is one parallel region of the {@link Team}: the projections are split by column panels, attention
 * by (row, kv head); RMSNorm is cheap enough that each thread normalises all rows into its own buffer rather
 * than wait at another barrier. Buffers are allocated once for {@code maxRows} tokens.
 */
final class Decoder {
    private static final int NR = PackedMatrix.NR;

    final LlamaConfig cfg;
    final DecoderWeights w;
    /** Low-rank adapters applied beside the weights; null when the model has none. */
    final AdapterWeights adapters;
    /** Whether a forward applies {@link #adapters} (off: the base model, e.g. a LoRA run's KL reference). */
    boolean adaptersOn = true;
    final Team team;
    final int maxRows;
    final int headChunk;
    /** Independent rows from which a forward splits rows rather than columns over the team. */
    int rowSplitMin = 32;
    /**
     * Work of one phase (between two barriers) below which the calling thread runs a forward alone: waking the
     * team and meeting at barriers costs microseconds on an idle machine and a scheduler time slice on a busy
     * one. A phase is worth sharing from this many multiply-adds ...
     */
    double parallelMinFlops = 2e6;
    /** ... or this many bytes of weights to stream. */
    double parallelMinBytes = 1e6;
    /** Parameters of one layer's projections, and the barriers a layer passes (one per operation). */
    private final double layerParams;
    private static final int PHASES_PER_LAYER = 6;
    private final int d;
    private final int hd;
    private final int half;
    private final int kvHeads;
    private final int group;
    private final int qDim;
    private final int ldD;
    private final int ldQkv;
    private final int ldF;
    final int ldV;
    private final float eps;
    private final float attnScale;
    private final float[] invFreq;

    private final float[] x;
    private final float[][] h;
    private final float[] qkv;
    private final float[] att;
    private final float[] act;
    private final float[][] up;
    /** Per thread: the adapters' low-rank activations {@code u = x Aᵀ} of all rows, {@code [maxRows, ldU]}. */
    private final float[][] lowRank;
    private final int ldU;
    private final float[] hSel;
    private final float[][] scores;
    final float[] logits;
    private float[] ropeCos = new float[0];
    private float[] ropeSin = new float[0];
    private int ropePositions;
    final KvCache cache;

    Decoder(DecoderWeights w, AdapterWeights adapters, Team team, int maxRows) {
        this.cfg = w.cfg;
        this.w = w;
        this.adapters = adapters;
        this.team = team;
        this.maxRows = maxRows;
        d = cfg.hiddenSize();
        hd = cfg.headDim();
        half = hd / 2;
        kvHeads = cfg.numKvHeads();
        group = cfg.groupSize();
        qDim = cfg.numHeads() * hd;
        ldD = PackedMatrix.padded(d);
        ldQkv = w.qkv[0].paddedOut();
        ldF = PackedMatrix.padded(cfg.intermediateSize());
        ldV = w.head.paddedOut();
        eps = (float) cfg.rmsNormEps();
        attnScale = (float) (1.0 / Math.sqrt(hd));
        double[] inv = cfg.inverseFrequencies();
        invFreq = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            invFreq[i] = (float) inv[i];
        }
        layerParams = (double) d * (qDim + 2 * kvHeads * hd) + (double) qDim * d + 3.0 * d * cfg.intermediateSize();
        int threads = team.size();
        x = new float[maxRows * ldD];
        h = new float[threads][maxRows * d];
        qkv = new float[maxRows * ldQkv];
        att = new float[maxRows * qDim];
        act = new float[maxRows * ldF];
        up = new float[threads][maxRows * NR];
        ldU = adapters == null ? 0 : adapters.maxLdU;
        lowRank = new float[threads][maxRows * ldU];
        hSel = new float[maxRows * d];
        scores = new float[threads][0];
        cache = new KvCache(cfg.numLayers(), kvHeads, hd);
        headChunk = Math.max(1, Math.min(maxRows, (1 << 22) / ldV));
        logits = new float[headChunk * ldV];
    }

    /** Lays the cache out for {@code slots} sequences of up to {@code length} tokens, growing it if needed. */
    void ensureCapacity(int slots, int length) {
        cache.layout(slots, length);
        if (length > ropePositions) {
            growRope(Math.max(length, Math.min(2 * ropePositions, cfg.maxPositions())));
        }
        for (int t = 0; t < scores.length; t++) {
            if (scores[t].length < cache.stride) {
                scores[t] = new float[cache.stride];
            }
        }
    }

    /** Bytes of the key/value cache's arrays. */
    long cacheBytes() {
        return cache.bytes();
    }

    /** Frees the key/value cache's arrays (they are allocated again on the next call). */
    void releaseCache() {
        cache.release();
    }

    private void growRope(int positions) {
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < half; j++) {
                // the angle rounded to float first, as transformers and the SameDiff graph compute it
                float angle = (float) p * invFreq[j];
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
        ropeCos = cos;
        ropeSin = sin;
        ropePositions = positions;
    }

    /**
     * Runs {@code rows} tokens through every layer: row {@code r} is token {@code ids[r]} at position
     * {@code pos[r]} of cache slot {@code slot[r]}; its key and value are stored there and it attends to positions
     * {@code 0..pos[r]} of its slot (earlier positions must be in the cache or among the rows). Afterwards rows
     * {@code sel[0..nSel)} are normalised for the head, ready for {@link #logits}.
     *
     * <p>The team splits the work of each operation by column panels and meets at a barrier between operations
     * (one pass over the weights for all rows: what a small, memory-bound batch needs). When the rows are
     * {@code independent} (each in its own slot, as in a decode step) and there are at least
     * {@link #rowSplitMin} of them, each thread instead takes a contiguous share of the rows through all layers
     * without barriers: at that size the products are compute-bound, and a thread that another process slows
     * down no longer stalls the other at every operation. Either way every row gets the same arithmetic.
     */
    void forward(int rows, int[] ids, int[] pos, int[] slot, int[] sel, int nSel, boolean independent) {
        if (rows > maxRows || nSel > maxRows) {
            throw new IllegalArgumentException("at most " + maxRows + " rows per forward, got " + rows);
        }
        boolean split = independent && team.size() > 1 && rows >= rowSplitMin;
        boolean parallel = split || worthSharing(2.0 * rows * layerParams / PHASES_PER_LAYER,
                4.0 * layerParams / PHASES_PER_LAYER);
        team.run(m -> {
            if (split) {
                int share = (rows + m.teamSize() - 1) / m.teamSize();
                int r0 = Math.min(rows, m.index * share);
                int n = Math.min(rows, r0 + share) - r0;
                m.solo(true);
                if (n > 0) {
                    layers(m, r0, n, ids, pos, slot, true);
                }
                m.solo(false);
                m.barrier();
            } else {
                layers(m, 0, rows, ids, pos, slot, independent);
            }
            final int rowChunk = 4;
            for (int j0 = m.claim(rowChunk); j0 < nSel; j0 = m.claim(rowChunk)) {
                for (int j = j0; j < Math.min(nSel, j0 + rowChunk); j++) {
                    VectorMath.rmsNorm(x, sel[j] * ldD, w.finalNorm, eps, hSel, j * d, d);
                }
            }
        }, parallel);
    }

    /** Whether a phase of this much work and weight traffic is worth the team's synchronisation. */
    private boolean worthSharing(double flops, double bytes) {
        return flops >= parallelMinFlops || bytes >= parallelMinBytes;
    }

    /**
     * Rows {@code [r0, r0+rows)} through every layer, work items taken from {@code m} (shared or solo). Rows of
     * one sequence attend to each other's keys, so they are all stored before any attends; {@code independent}
     * rows each store their own just before attending, which saves a barrier per layer.
     */
    private void layers(Team.Member m, int r0, int rows, int[] ids, int[] pos, int[] slot, boolean independent) {
        float[] hm = h[m.index];
        float[] upm = up[m.index];
        float[] sc = scores[m.index];
        float[] um = lowRank[m.index];
        int uOff = r0 * ldU;
        AdapterWeights lora = adaptersOn ? adapters : null;
        int end = r0 + rows;
        final int rowChunk = 4;
        for (int i = m.claim(rowChunk); i < rows; i = m.claim(rowChunk)) {
            for (int r = r0 + i; r < Math.min(end, r0 + i + rowChunk); r++) {
                w.embedding(ids[r], x, r * ldD);
            }
        }
        m.barrier();
        int items = rows * kvHeads;
        for (int l = 0; l < cfg.numLayers(); l++) {
            // attention block: h = rms(x); qkv = h Wqkv^T; rope; cache; attention; x += att Wo^T
            for (int r = r0; r < end; r++) {
                VectorMath.rmsNorm(x, r * ldD, w.attnNorm[l], eps, hm, r * d, d);
            }
            PackedMatrix wqkv = w.qkv[l];
            LowRankUpdate uqkv = lora == null ? null : lora.qkv[l];
            float[] bqkv = w.qkvBias == null ? null : w.qkvBias[l];
            if (uqkv != null) {
                uqkv.project(hm, r0 * d, d, rows, um, uOff);
            }
            for (int p = m.claim(1); p < wqkv.panels; p = m.claim(1)) {
                wqkv.multiplyPanel(p, hm, r0 * d, d, rows, qkv, r0 * ldQkv + p * NR, ldQkv, false);
                if (uqkv != null) {
                    uqkv.addPanel(p, um, uOff, rows, qkv, r0 * ldQkv + p * NR, ldQkv);
                }
                if (bqkv != null) {
                    for (int r = r0; r < end; r++) {
                        VectorMath.add(bqkv, p * NR, qkv, r * ldQkv + p * NR, NR);
                    }
                }
            }
            m.barrier();
            if (!independent) {
                for (int i = m.claim(2); i < items; i = m.claim(2)) {
                    for (int it = i; it < Math.min(items, i + 2); it++) {
                        ropeAndStore(l, r0 + it / kvHeads, it % kvHeads, pos, slot);
                    }
                }
                m.barrier();
            }
            for (int i = m.claim(1); i < items; i = m.claim(1)) {
                if (independent) {
                    ropeAndStore(l, r0 + i / kvHeads, i % kvHeads, pos, slot);
                }
                attend(l, r0 + i / kvHeads, i % kvHeads, pos, slot, sc);
            }
            m.barrier();
            PackedMatrix wo = w.o[l];
            LowRankUpdate uo = lora == null ? null : lora.o[l];
            if (uo != null) {
                uo.project(att, r0 * qDim, qDim, rows, um, uOff);
            }
            for (int p = m.claim(1); p < wo.panels; p = m.claim(1)) {
                wo.multiplyPanel(p, att, r0 * qDim, qDim, rows, x, r0 * ldD + p * NR, ldD, true);
                if (uo != null) {
                    uo.addPanel(p, um, uOff, rows, x, r0 * ldD + p * NR, ldD);
                }
            }
            m.barrier();
            // feed-forward block: h = rms(x); x += (silu(h Wgate^T) * h Wup^T) Wdown^T
            for (int r = r0; r < end; r++) {
                VectorMath.rmsNorm(x, r * ldD, w.mlpNorm[l], eps, hm, r * d, d);
            }
            PackedMatrix gu = w.gateUp[l];
            LowRankUpdate ugu = lora == null ? null : lora.gateUp[l];
            if (ugu != null) {
                ugu.project(hm, r0 * d, d, rows, um, uOff);
            }
            int pairs = gu.panels / 2;
            for (int j = m.claim(1); j < pairs; j = m.claim(1)) {
                gu.multiplyPanel(2 * j, hm, r0 * d, d, rows, act, r0 * ldF + j * NR, ldF, false);
                gu.multiplyPanel(2 * j + 1, hm, r0 * d, d, rows, upm, 0, NR, false);
                if (ugu != null) {
                    // the adapters' part of gate and of up, before SwiGLU combines them
                    ugu.addPanel(2 * j, um, uOff, rows, act, r0 * ldF + j * NR, ldF);
                    ugu.addPanel(2 * j + 1, um, uOff, rows, upm, 0, NR);
                }
                for (int r = 0; r < rows; r++) {
                    VectorMath.swiglu(act, (r0 + r) * ldF + j * NR, upm, r * NR, NR);
                }
            }
            m.barrier();
            PackedMatrix wd = w.down[l];
            LowRankUpdate ud = lora == null ? null : lora.down[l];
            if (ud != null) {
                ud.project(act, r0 * ldF, ldF, rows, um, uOff);
            }
            for (int p = m.claim(1); p < wd.panels; p = m.claim(1)) {
                wd.multiplyPanel(p, act, r0 * ldF, ldF, rows, x, r0 * ldD + p * NR, ldD, true);
                if (ud != null) {
                    ud.addPanel(p, um, uOff, rows, x, r0 * ldD + p * NR, ldD);
                }
            }
            m.barrier();
        }
    }

    /**
     * Rotary embedding of row r's query heads of group g and of its key head g (each RMS-normalised first where
     * the architecture says so: Qwen3); key and value into the cache.
     */
    private void ropeAndStore(int l, int r, int g, int[] pos, int[] slot) {
        int p = pos[r];
        int tOff = p * half;
        int row = r * ldQkv;
        for (int q = g * group; q < (g + 1) * group; q++) {
            if (w.qNorm != null) {
                VectorMath.rmsNorm(qkv, row + q * hd, w.qNorm[l], eps, qkv, row + q * hd, hd);
            }
            VectorMath.rope(qkv, row + q * hd, half, ropeCos, ropeSin, tOff);
        }
        int kOff = row + qDim + g * hd;
        if (w.kNorm != null) {
            VectorMath.rmsNorm(qkv, kOff, w.kNorm[l], eps, qkv, kOff, hd);
        }
        VectorMath.rope(qkv, kOff, half, ropeCos, ropeSin, tOff);
        cache.store(l, slot[r], g, p, qkv, kOff, kOff + kvHeads * hd);
    }

    /**
     * Attention of row r's query heads of group g over positions 0..pos[r] of its slot: scores along the
     * positions (keys are stored transposed), softmax, then the probability-weighted sum of the values.
     */
    private void attend(int l, int r, int g, int[] pos, int[] slot, float[] sc) {
        int len = pos[r] + 1;
        int lenP = (len + PackedMatrix.L - 1) / PackedMatrix.L * PackedMatrix.L;
        int base = cache.base(slot[r], g);
        for (int q = g * group; q < (g + 1) * group; q++) {
            VectorMath.scores(qkv, r * ldQkv + q * hd, hd, cache.k[l], base, cache.stride, lenP, sc);
            Arrays.fill(sc, len, lenP, Float.NEGATIVE_INFINITY);
            // softmax(scale * s) = exp(scale * (s - max s)) / sum
            float mx = VectorMath.max(sc, 0, lenP);
            double sum = VectorMath.expShifted(sc, 0, lenP, mx, attnScale, sc, 0);
            VectorMath.weightedRows(sc, len, cache.v[l], base, hd, att, r * qDim + q * hd, (float) (1.0 / sum));
        }
    }

    /**
     * Logits of the normalised rows {@code [from, from+count)} (at most {@link #headChunk}) into {@link #logits}
     * ({@code [count, ldV]}, the columns past the vocabulary set to -inf), then {@code consumer} on each row,
     * rows spread over the team.
     */
    void logits(int from, int count, RowConsumer consumer) {
        if (count > headChunk) {
            throw new IllegalArgumentException("at most " + headChunk + " head rows at once, got " + count);
        }
        PackedMatrix head = w.head;
        int vocab = cfg.vocabSize();
        double params = (double) head.out * head.in;
        team.run(m -> {
            for (int p = m.claim(1); p < head.panels; p = m.claim(1)) {
                head.multiplyPanel(p, hSel, from * d, d, count, logits, p * NR, ldV, false);
            }
            m.barrier();
            for (int r = m.claim(1); r < count; r = m.claim(1)) {
                Arrays.fill(logits, r * ldV + vocab, (r + 1) * ldV, Float.NEGATIVE_INFINITY);
                consumer.accept(m.index, from + r, logits, r * ldV);
            }
        }, worthSharing(2.0 * count * params, 4.0 * params));
    }

    /** Receives one row of logits ({@code vocab} values from {@code off}) on a team thread. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(int thread, int row, float[] logits, int off);
    }
}
