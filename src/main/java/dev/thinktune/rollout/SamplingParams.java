package dev.thinktune.rollout;

import java.util.List;
import java.util.Set;

/**
 * How to sample one request's continuations.
 *
 * @param temperature   softmax temperature; 0 is greedy (ties to the lowest id)
 * @param topP          nucleus: keep the smallest set of most likely tokens whose mass reaches topP (1 = off)
 * @param topK          keep the k most likely tokens (0 = off)
 * @param minP          keep tokens with probability at least minP times the top one (0 = off)
 * @param maxNewTokens  the most tokens to generate per continuation
 * @param stopIds       token ids that end a continuation (included in its ids; finish reason EOS)
 * @param stopStrings   texts that end a continuation once decoded text contains them (finish reason STOP)
 * @param seed          seed of this request's sampler: the same seed gives the same tokens
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, int maxNewTokens,
                             Set<Integer> stopIds, List<String> stopStrings, long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1), got " + minP);
        }
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max_new_tokens must be > 0, got " + maxNewTokens);
        }
        stopIds = Set.copyOf(stopIds);
        stopStrings = List.copyOf(stopStrings);
    }

    /** Plain sampling at temperature 1 (what GRPO's rollouts use). */
    public static SamplingParams sampling(int maxNewTokens, Set<Integer> stopIds, long seed) {
        return new SamplingParams(1.0, 1.0, 0, 0.0, maxNewTokens, stopIds, List.of(), seed);
    }

    /** Greedy decoding. */
    public static SamplingParams greedy(int maxNewTokens, Set<Integer> stopIds) {
        return new SamplingParams(0.0, 1.0, 0, 0.0, maxNewTokens, stopIds, List.of(), 0L);
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topP, topK, minP, maxNewTokens, stopIds, stopStrings, newSeed);
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(temperature, topP, topK, minP, n, stopIds, stopStrings, seed);
    }
}
