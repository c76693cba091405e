package dev.thinktune.reward;

import java.util.Objects;

/**
 * 1 when the completion ended with an EOS id (checked on the token ids, not the text), else 0.
 *
 * @param name logged name
 */
public record EosTerm(String name) implements RewardTerm {

    public EosTerm {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public double score(RewardInput in) {
        return in.endsWithEos() ? 1.0 : 0.0;
    }
}
