package dev.thinktune.rollout;

/**
 * One sampled continuation.
 *
 * @param tokenIds     the generated ids (a stop id included when finishReason is EOS)
 * @param logprobs     log-probability of each generated id under the policy at temperature 1, before any
 *                     top-p/top-k filtering: what GRPO calls the old policy's log-prob
 * @param finishReason why it ended
 * @param promptTokens length of the prompt it continued
 */
public record Completion(int[] tokenIds, float[] logprobs, FinishReason finishReason, int promptTokens) {
    public Completion {
        if (tokenIds.length != logprobs.length) {
            throw new IllegalArgumentException("one log-prob per token");
        }
    }

    public int length() {
        return tokenIds.length;
    }

    /** Ended with a stop id (not truncated, not a stop string). */
    public boolean endedWithEos() {
        return finishReason == FinishReason.EOS;
    }
}
