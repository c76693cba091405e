package dev.thinktune.reward;

import java.util.Objects;

/**
 * A length penalty in the manner of DAPO's overlong shaping: 0 up to {@code soft} tokens, falling linearly to -1
 * at {@code hard} tokens and beyond.
 *
 * @param name logged name
 * @param soft the number of tokens from which the penalty starts
 * @param hard the number of tokens at which it reaches -1 (usually the completion limit)
 */
public record LengthTerm(String name, int soft, int hard) implements RewardTerm {

    public LengthTerm {
        Objects.requireNonNull(name, "name");
        if (soft < 0 || hard <= soft) {
            throw new IllegalArgumentException("need 0 <= soft < hard, got soft " + soft + " hard " + hard);
        }
    }

    @Override
    public double score(RewardInput in) {
        int n = in.tokenCount();
        if (n <= soft) {
            return 0.0;
        }
        return n >= hard ? -1.0 : -(double) (n - soft) / (hard - soft);
    }
}
