package dev.thinktune.rollout;

/**
 * One prompt and how many continuations to sample from it; the {@code n} continuations share the prompt's
 * prefill. The engine derives each continuation's sampler from {@code params.seed()} and its index, so
 * results are reproducible per request.
 */
public record GenerationRequest(int[] promptIds, int n, SamplingParams params) {
    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0) {
            throw new IllegalArgumentException("empty prompt: at least one token is needed");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("n must be > 0, got " + n);
        }
        promptIds = promptIds.clone();
    }
}
