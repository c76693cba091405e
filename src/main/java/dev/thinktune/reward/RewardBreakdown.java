package dev.thinktune.reward;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The reward of one completion, term by term, for logging.
 *
 * @param total         the weighted sum of the terms
 * @param scores        each term's unweighted score by name, in configuration order
 * @param contributions each term's weighted score (weight times score) by name, in the same order; they add up to
 *                      {@code total}
 */
public record RewardBreakdown(double total, Map<String, Double> scores, Map<String, Double> contributions) {

    public RewardBreakdown {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(scores, "scores")));
        contributions = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(contributions, "contributions")));
    }

    /** The unweighted score of the term {@code name}. */
    public double score(String name) {
        Double s = scores.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no reward term '" + name + "'; terms: " + scores.keySet());
        }
        return s;
    }
}
