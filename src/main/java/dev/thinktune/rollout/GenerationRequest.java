package dev.thinktune.rollout;

/**
 * One prompt and how many continuations to sample from it; the {@code n} continuations share the prompt's
 * prefill. Continuation {@code i} samples with seed {@link #sampleSeed sampleSeed(i)}, so results are
 * reproducible per request, and continuation {@code i} is the continuation of a one-sample request with that
 * seed.
 *
 * @param promptIds   the prompt
 * @param n           continuations to sample from it
 * @param params      how to sample them
 * @param topLogprobs how many of the most likely tokens each continuation reports at every position
 *                    ({@link Completion#topLogprobs}); 0: none
 */
public record GenerationRequest(int[] promptIds, int n, SamplingParams params, int topLogprobs) {

    /** The most alternatives a request may ask for at each position. */
    public static final int MAX_TOP_LOGPROBS = 64;

    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0) {
            throw new IllegalArgumentException("empty prompt: at least one token is needed");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("n must be > 0, got " + n);
        }
        if (params == null) {
            throw new IllegalArgumentException("sampling parameters are required");
        }
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("topLogprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got "
                    + topLogprobs);
        }
        promptIds = promptIds.clone();
    }

    /** A request that reports no alternatives. */
    public GenerationRequest(int[] promptIds, int n, SamplingParams params) {
        this(promptIds, n, params, 0);
    }

    /** Golden-ratio increment between the seeds of a request's continuations (SplittableRandom's gamma). */
    public static final long SEED_STRIDE = 0x9E3779B97F4A7C15L;

    /** The seed continuation {@code sample} samples with: {@code params.seed() + sample * SEED_STRIDE}. */
    public long sampleSeed(int sample) {
        return params.seed() + sample * SEED_STRIDE;
    }
}
