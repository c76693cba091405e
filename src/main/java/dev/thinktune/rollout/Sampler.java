package dev.thinktune.rollout;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits and gives its log-probability under the full softmax at
 * temperature 1 (the old policy's log-prob), whatever the sampling settings.
 *
 * <p>Sampling follows transformers' order of warpers: the logits are divided by the temperature, then top-k keeps
 * the k most likely tokens (ties at the k-th broken towards the lower id), top-p keeps the smallest prefix of
 * those, most likely first, whose probability (renormalised over the top-k set) reaches p, and min-p drops tokens
 * less likely than {@code minP} times the most likely one. The token is drawn by inverting the cumulative
 * distribution with one uniform number from the sequence's own generator. Temperature 0 is greedy: the largest
 * logit, the lowest id on ties. One instance per thread (it owns scratch arrays).
 */
final class Sampler {
    private final int vocab;
    private final float[] probs;
    private long[] keys = new long[0];

    Sampler(int vocab, int paddedVocab) {
        this.vocab = vocab;
        this.probs = new float[paddedVocab];
    }

    /** log-softmax of {@code logits[off + token]} at temperature 1. */
    static float logprob(float[] logits, int off, int vocab, int token) {
        float mx = VectorMath.max(logits, off, vocab);
        double z = VectorMath.sumExpShifted(logits, off, vocab, mx);
        return (float) (logits[off + token] - mx - Math.log(z));
    }

    /**
     * Samples a token from {@code logits[off .. off+vocab)}; its temperature-1 log-probability goes to
     * {@code logprobOut[0]}.
     */
    int sample(float[] logits, int off, SamplingParams p, SplittableRandom rng, float[] logprobOut) {
        float mx = VectorMath.max(logits, off, vocab);
        double t = p.temperature();
        boolean filtered = p.topK() > 0 && p.topK() < vocab || p.topP() < 1.0 || p.minP() > 0;
        int token;
        double z1;
        if (t == 0) {
            z1 = VectorMath.sumExpShifted(logits, off, vocab, mx);
            token = argmax(logits, off, mx);
        } else if (t == 1.0) {
            z1 = VectorMath.expShifted(logits, off, vocab, mx, 1f, probs, 0);
            token = filtered ? sampleFiltered(p, z1, rng) : sampleAll(z1, rng);
        } else {
            z1 = VectorMath.sumExpShifted(logits, off, vocab, mx);
            double zt = VectorMath.expShifted(logits, off, vocab, mx, (float) (1.0 / t), probs, 0);
            token = filtered ? sampleFiltered(p, zt, rng) : sampleAll(zt, rng);
        }
        logprobOut[0] = (float) (logits[off + token] - mx - Math.log(z1));
        return token;
    }

    private int argmax(float[] logits, int off, float mx) {
        for (int i = 0; i < vocab; i++) {
            if (logits[off + i] == mx) {
                return i;
            }
        }
        throw new IllegalStateException("logits are not finite");
    }

    /** Inverse CDF over all tokens; {@code probs} holds the unnormalised probabilities, {@code z} their sum. */
    private int sampleAll(double z, SplittableRandom rng) {
        double u = rng.nextDouble() * z;
        double c = 0;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            float q = probs[i];
            if (q > 0) {
                c += q;
                last = i;
                if (c > u) {
                    return i;
                }
            }
        }
        if (last < 0) {
            throw new IllegalStateException("logits are not finite");
        }
        return last; // rounding: u landed past the last partial sum
    }

    private int sampleFiltered(SamplingParams p, double z, SplittableRandom rng) {
        if (keys.length < vocab) {
            keys = new long[vocab];
        }
        int k = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
        double topP = p.topP();
        float minP = (float) p.minP();
        // Candidates: every token with q >= cutoff (q = 1 for the most likely). For top-k or top-p, lower the
        // cutoff until the set surely holds the top-k (k tokens) or the nucleus (mass >= topP * z): both are
        // prefixes of the sorted order, so sorting the candidates alone is exact. Min-p alone needs q >= minP.
        boolean prefix = k < vocab || topP < 1.0;
        float cutoff = prefix ? 0x1p-10f : minP;
        int n;
        while (true) {
            n = 0;
            double mass = 0;
            for (int i = 0; i < vocab; i++) {
                float q = probs[i];
                if (q >= cutoff && q > 0) {
                    keys[n++] = key(q, i);
                    mass += q;
                }
            }
            boolean enough = !prefix || (k < vocab ? n >= k : mass >= topP * z);
            if (enough || cutoff == 0f) {
                break;
            }
            cutoff = cutoff < 0x1p-60f ? 0f : cutoff * 0x1p-12f;
        }
        Arrays.sort(keys, 0, n);
        n = Math.min(n, k);
        if (topP < 1.0) {
            double mass = 0;
            for (int j = 0; j < n; j++) {
                mass += probs[token(keys[j])];
            }
            double c = 0;
            int keep = 0;
            while (keep < n && c < topP * mass) {
                c += probs[token(keys[keep])];
                keep++;
            }
            n = Math.max(1, keep);
        }
        if (minP > 0) {
            int keep = 0;
            while (keep < n && probs[token(keys[keep])] >= minP) {
                keep++;
            }
            n = Math.max(1, keep);
        }
        double mass = 0;
        for (int j = 0; j < n; j++) {
            mass += probs[token(keys[j])];
        }
        double u = rng.nextDouble() * mass;
        double c = 0;
        for (int j = 0; j < n; j++) {
            c += probs[token(keys[j])];
            if (c > u) {
                return token(keys[j]);
            }
        }
        return token(keys[n - 1]);
    }

    /** Sort key: ascending order is probability descending, then id ascending (q >= 0, so its bits order it). */
    private static long key(float q, int id) {
        return ((long) (Integer.MAX_VALUE - Float.floatToRawIntBits(q)) << 32) | id;
    }

    private static int token(long key) {
        return (int) key;
    }
}
