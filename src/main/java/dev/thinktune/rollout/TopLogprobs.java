package dev.thinktune.rollout;

import java.util.Arrays;

/**
 * The most likely tokens at one position and their log-probabilities under the full softmax at temperature 1
 * (the same distribution {@link Completion#logprobs} come from), most likely first, ties towards the lower id.
 *
 * @param ids      token ids, most likely first
 * @param logprobs their log-probabilities, same order
 */
public record TopLogprobs(int[] ids, float[] logprobs) {

    /** No alternatives (none were asked for). */
    public static final TopLogprobs NONE = new TopLogprobs(new int[0], new float[0]);

    public TopLogprobs {
        if (ids.length != logprobs.length) {
            throw new IllegalArgumentException("one log-prob per id");
        }
        ids = ids.clone();
        logprobs = logprobs.clone();
    }

    public int size() {
        return ids.length;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logprob(int i) {
        return logprobs[i];
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public float[] logprobs() {
        return logprobs.clone();
    }

    /**
     * The {@code k} most likely of {@code logits[off .. off+vocab)} (k clamped to the vocabulary), with
     * {@code log_softmax} computed over the whole row.
     */
    static TopLogprobs of(float[] logits, int off, int vocab, int k) {
        k = Math.min(k, vocab);
        if (k <= 0) {
            return NONE;
        }
        float mx = VectorMath.max(logits, off, vocab);
        double logZ = Math.log(VectorMath.sumExpShifted(logits, off, vocab, mx));
        int[] ids = new int[k];
        float[] vals = new float[k];
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[off + i];
            if (n == k && !(v > vals[k - 1])) {
                continue; // not above the k-th kept (an equal value has a higher id: it loses the tie)
            }
            int at = n < k ? n++ : k - 1;
            while (at > 0 && v > vals[at - 1]) {
                vals[at] = vals[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            vals[at] = v;
            ids[at] = i;
        }
        float[] lp = new float[k];
        for (int j = 0; j < k; j++) {
            lp[j] = (float) (vals[j] - mx - logZ); // as Sampler computes the sampled token's
        }
        return new TopLogprobs(ids, lp);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopLogprobs t && Arrays.equals(ids, t.ids) && Arrays.equals(logprobs, t.logprobs);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(logprobs);
    }

    @Override
    public String toString() {
        return "TopLogprobs" + Arrays.toString(ids) + Arrays.toString(logprobs);
    }
}
