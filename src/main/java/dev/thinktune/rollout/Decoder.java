package dev.thinktune.rollout;

import dev.thinktune.model.LlamaConfig;

import java.util.Arrays;

/**
 * The Llama forward pass in plain Java over {@link DecoderWeights}, for any set of tokens that each sit at a known
 * position of a known cache slot: a prefill is all the tokens of some prompts, a decode step one token per live
 * sequence. Same math as {@code LlamaGraph}, top to bottom:
 *
 * <pre>
 * x = embed[id]                                                  [rows, D]
 * per layer:  q,k,v = rms(x)·Wqkvᵀ;  q,k = rope(q,k, pos);  cache[slot, pos] = k, v
 *             x += Woᵀ · softmax(q·Kᵀ/√hd over positions 0..pos of the slot) · V     (query head h reads kv head h/G)
 *             x += Wdown · (silu(rms(x)·Wgateᵀ) * rms(x)·Wupᵀ)
 * h = rms(x) for the rows whose logits are wanted;  logits = h · Wheadᵀ
 * </pre>
 *
 * One forward is one parallel region of the {@link Team}: the projections are split by column panels, attention
 * by (row, kv head); RMSNorm is cheap enough that each thread normalises all rows into its own buffer rather
 * than wait at another barrier. Buffers are allocated once for {@code maxRows} tokens.
 */
final class Decoder {
    private static final int NR = PackedMatrix.NR;

    final LlamaConfig cfg;
    final DecoderWeights w;
    final Team team;
    final int maxRows;
    final int headChunk;
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
    private final float[] hSel;
    private final float[][] scores;
    final float[] logits;
    private float[] ropeCos = new float[0];
    private float[] ropeSin = new float[0];
    private int ropePositions;
    KvCache cache;

    Decoder(DecoderWeights w, Team team, int maxRows) {
        this.cfg = w.cfg;
        this.w = w;
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
        int threads = team.size();
        x = new float[maxRows * ldD];
        h = new float[threads][maxRows * d];
        qkv = new float[maxRows * ldQkv];
        att = new float[maxRows * qDim];
        act = new float[maxRows * ldF];
        up = new float[threads][maxRows * NR];
        hSel = new float[maxRows * d];
        scores = new float[threads][0];
        headChunk = Math.max(1, Math.min(maxRows, (1 << 22) / ldV));
        logits = new float[headChunk * ldV];
    }

    /** Makes room for {@code slots} sequences of up to {@code length} tokens (keeps the cache when it fits). */
    void ensureCapacity(int slots, int length) {
        if (cache == null || !cache.fits(slots, length)) {
            int s = cache == null ? slots : Math.max(slots, cache.slots);
            int c = cache == null ? length : Math.max(length, cache.capacity);
            cache = null; // let the old one go before allocating the new one
            cache = new KvCache(cfg.numLayers(), s, c, kvHeads, hd);
        }
        if (length > ropePositions) {
            growRope(Math.max(length, Math.min(2 * ropePositions, cfg.maxPositions())));
        }
        int scoreLen = (length + PackedMatrix.L - 1) / PackedMatrix.L * PackedMatrix.L;
        for (int t = 0; t < scores.length; t++) {
            if (scores[t].length < scoreLen) {
                scores[t] = new float[scoreLen];
            }
        }
    }

    /** Frees the key/value cache (it is rebuilt on the next call). */
    void releaseCache() {
        cache = null;
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
     */
    void forward(int rows, int[] ids, int[] pos, int[] slot, int[] sel, int nSel) {
        if (rows > maxRows || nSel > maxRows) {
            throw new IllegalArgumentException("at most " + maxRows + " rows per forward, got " + rows);
        }
        int layers = cfg.numLayers();
        team.run(m -> {
            float[] hm = h[m.index];
            float[] upm = up[m.index];
            float[] sc = scores[m.index];
            final int rowChunk = 4;
            for (int r0 = m.claim(rowChunk); r0 < rows; r0 = m.claim(rowChunk)) {
                for (int r = r0; r < Math.min(rows, r0 + rowChunk); r++) {
                    w.embedding(ids[r], x, r * ldD);
                }
            }
            m.barrier();
            for (int l = 0; l < layers; l++) {
                // attention block
                for (int r = 0; r < rows; r++) {
                    VectorMath.rmsNorm(x, r * ldD, w.attnNorm[l], eps, hm, r * d, d);
                }
                PackedMatrix wqkv = w.qkv[l];
                for (int p = m.claim(1); p < wqkv.panels; p = m.claim(1)) {
                    wqkv.multiplyPanel(p, hm, 0, d, rows, qkv, p * NR, ldQkv, false);
                }
                m.barrier();
                int items = rows * kvHeads;
                for (int i = m.claim(2); i < items; i = m.claim(2)) {
                    for (int it = i; it < Math.min(items, i + 2); it++) {
                        ropeAndStore(l, it / kvHeads, it % kvHeads, pos, slot);
                    }
                }
                m.barrier();
                for (int i = m.claim(1); i < items; i = m.claim(1)) {
                    attend(l, i / kvHeads, i % kvHeads, pos, slot, sc);
                }
                m.barrier();
                PackedMatrix wo = w.o[l];
                for (int p = m.claim(1); p < wo.panels; p = m.claim(1)) {
                    wo.multiplyPanel(p, att, 0, qDim, rows, x, p * NR, ldD, true);
                }
                m.barrier();
                // feed-forward block
                for (int r = 0; r < rows; r++) {
                    VectorMath.rmsNorm(x, r * ldD, w.mlpNorm[l], eps, hm, r * d, d);
                }
                PackedMatrix gu = w.gateUp[l];
                int pairs = gu.panels / 2;
                for (int j = m.claim(1); j < pairs; j = m.claim(1)) {
                    gu.multiplyPanel(2 * j, hm, 0, d, rows, act, j * NR, ldF, false);
                    gu.multiplyPanel(2 * j + 1, hm, 0, d, rows, upm, 0, NR, false);
                    for (int r = 0; r < rows; r++) {
                        VectorMath.swiglu(act, r * ldF + j * NR, upm, r * NR, NR);
                    }
                }
                m.barrier();
                PackedMatrix wd = w.down[l];
                for (int p = m.claim(1); p < wd.panels; p = m.claim(1)) {
                    wd.multiplyPanel(p, act, 0, ldF, rows, x, p * NR, ldD, true);
                }
                m.barrier();
            }
            for (int j0 = m.claim(rowChunk); j0 < nSel; j0 = m.claim(rowChunk)) {
                for (int j = j0; j < Math.min(nSel, j0 + rowChunk); j++) {
                    VectorMath.rmsNorm(x, sel[j] * ldD, w.finalNorm, eps, hSel, j * d, d);
                }
            }
        });
    }

    /** Rotary embedding of row r's query heads of group g and of its key head g; key and value into the cache. */
    private void ropeAndStore(int l, int r, int g, int[] pos, int[] slot) {
        int p = pos[r];
        int tOff = p * half;
        int row = r * ldQkv;
        for (int q = g * group; q < (g + 1) * group; q++) {
            VectorMath.rope(qkv, row + q * hd, half, ropeCos, ropeSin, tOff);
        }
        int kOff = row + qDim + g * hd;
        VectorMath.rope(qkv, kOff, half, ropeCos, ropeSin, tOff);
        int c = cache.base(slot[r], g) + p * hd;
        System.arraycopy(qkv, kOff, cache.k[l], c, hd);
        System.arraycopy(qkv, kOff + kvHeads * hd, cache.v[l], c, hd);
    }

    /** Attention of row r's query heads of group g over positions 0..pos[r] of its slot. */
    private void attend(int l, int r, int g, int[] pos, int[] slot, float[] sc) {
        int len = pos[r] + 1;
        int base = cache.base(slot[r], g);
        float[] kc = cache.k[l];
        float[] vc = cache.v[l];
        for (int q = g * group; q < (g + 1) * group; q++) {
            int qOff = r * ldQkv + q * hd;
            for (int t = 0; t < len; t++) {
                sc[t] = VectorMath.dot(qkv, qOff, kc, base + t * hd, hd) * attnScale;
            }
            float mx = VectorMath.max(sc, 0, len);
            double sum = VectorMath.expShifted(sc, 0, len, mx, 1f, sc, 0);
            float inv = (float) (1.0 / sum);
            int out = r * qDim + q * hd;
            Arrays.fill(att, out, out + hd, 0f);
            for (int t = 0; t < len; t++) {
                VectorMath.axpy(sc[t], vc, base + t * hd, att, out, hd);
            }
            VectorMath.scale(att, out, hd, inv);
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
        team.run(m -> {
            for (int p = m.claim(1); p < head.panels; p = m.claim(1)) {
                head.multiplyPanel(p, hSel, from * d, d, count, logits, p * NR, ldV, false);
            }
            m.barrier();
            for (int r = m.claim(1); r < count; r = m.claim(1)) {
                Arrays.fill(logits, r * ldV + vocab, (r + 1) * ldV, Float.NEGATIVE_INFINITY);
                consumer.accept(m.index, from + r, logits, r * ldV);
            }
        });
    }

    /** Receives one row of logits ({@code vocab} values from {@code off}) on a team thread. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(int thread, int row, float[] logits, int off);
    }
}
