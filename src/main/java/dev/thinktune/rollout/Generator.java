package dev.thinktune.rollout;

import java.util.List;

/** Anything that continues prompts: the student's rollout engine, a teacher model, a served model. */
public interface Generator {

    /**
     * Generates {@code request.n()} continuations for every request, batched together. The result holds, per
     * request in order, its continuations in order.
     */
    List<List<Completion>> generate(List<GenerationRequest> requests, TokenListener listener);

    default List<List<Completion>> generate(List<GenerationRequest> requests) {
        return generate(requests, TokenListener.NONE);
    }

    /** Receives each token as it is sampled (for streaming output). */
    @FunctionalInterface
    interface TokenListener {
        TokenListener NONE = (request, sample, tokenId) -> { };

        void onToken(int request, int sample, int tokenId);

        /**
         * A token with its temperature-1 log-probability and the alternatives the request asked for
         * ({@link TopLogprobs#NONE} when none). Generators that know them call this one; by default it forwards
         * the id alone.
         */
        default void onToken(int request, int sample, int tokenId, float logprob, TopLogprobs top) {
            onToken(request, sample, tokenId);
        }
    }
}
