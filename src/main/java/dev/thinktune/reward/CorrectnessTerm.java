package dev.thinktune.reward;

import java.util.Objects;

/**
 * 1 when the completion's final answer is correct and, with {@code requireEos}, the completion ended with an EOS
 * id (a truncated completion earns nothing, as in the paper); else 0.
 *
 * @param name       logged name
 * @param verifier   extraction and comparison of the answer
 * @param requireEos whether the last token id must be an EOS id
 */
public record CorrectnessTerm(String name, Verifier verifier, boolean requireEos) implements RewardTerm {

    public CorrectnessTerm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(verifier, "verifier");
    }

    @Override
    public double score(RewardInput in) {
        if (requireEos && !in.endsWithEos()) {
            return 0.0;
        }
        return verifier.verify(in.example(), in.completion()).correct() ? 1.0 : 0.0;
    }
}
