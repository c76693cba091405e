package dev.thinktune.rollout;

import java.util.List;

/** Per-token log-probabilities of whole sequences under some weights (old policy, reference model). */
public interface SequenceScorer {

    /**
     * For each sequence, {@code out[t] = log p(seq[t+1] | seq[..t])} for t in 0..len-2 (length len-1), at
     * temperature 1.
     */
    List<float[]> logprobs(List<int[]> sequences);

    /** Bytes this scorer keeps for its next call (a decoder's key/value cache); 0 for one that keeps nothing. */
    default long cacheBytes() {
        return 0;
    }

    /** Frees what this scorer keeps for its next call; that call allocates what it needs again. */
    default void releaseCache() {
    }
}
