package dev.thinktune.reward;

import java.util.Objects;

/**
 * A format term: 1 when the completion gives its answer in a well-formed, non-empty {@code \boxed{...}}, else 0.
 *
 * @param name logged name
 */
public record BoxedTerm(String name) implements RewardTerm {

    public BoxedTerm {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public double score(RewardInput in) {
        return AnswerExtractor.lastBoxed(in.completion()).isPresent() ? 1.0 : 0.0;
    }
}
