package dev.thinktune.rollout;

import java.util.List;

/**
 * One sampled continuation.
 *
 * @param tokenIds     the generated ids (a stop id included when finishReason is EOS)
 * @param logprobs     log-probability of each generated id under the policy at temperature 1, before any
 *                     top-p/top-k filtering: what GRPO calls the old policy's log-prob
 * @param finishReason why it ended
 * @param promptTokens length of the prompt it continued
 * @param topLogprobs  per generated id, the most likely tokens at its position under the same distribution
 *                     ({@link GenerationRequest#topLogprobs} of them); empty when the request asked for none
 */
public record Completion(int[] tokenIds, float[] logprobs, FinishReason finishReason, int promptTokens,
                         List<TopLogprobs> topLogprobs) {
    public Completion {
        if (tokenIds.length != logprobs.length) {
            throw new IllegalArgumentException("one log-prob per token");
        }
        topLogprobs = List.copyOf(topLogprobs);
        if (!topLogprobs.isEmpty() && topLogprobs.size() != tokenIds.length) {
            throw new IllegalArgumentException("one entry of top log-probs per token, or none");
        }
    }

    /** A completion without alternatives. */
    public Completion(int[] tokenIds, float[] logprobs, FinishReason finishReason, int promptTokens) {
        this(tokenIds, logprobs, finishReason, promptTokens, List.of());
    }

    public int length() {
        return tokenIds.length;
    }

    /** Ended with a stop id (not truncated, not a stop string). */
    public boolean endedWithEos() {
        return finishReason == FinishReason.EOS;
    }
}
