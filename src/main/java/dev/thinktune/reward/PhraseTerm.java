package dev.thinktune.reward;

import java.util.Locale;
import java.util.Objects;

/**
 * 1 when {@code phrase} occurs in the completion a number of times that satisfies {@code rule} and {@code count}
 * (by default exactly once), else 0. Occurrences are counted without overlap.
 *
 * @param name          logged name
 * @param phrase        the text to look for, e.g. "Thalapathy Vijay"
 * @param rule          how the number of occurrences is compared with {@code count}
 * @param count         the number of occurrences the rule refers to
 * @param caseSensitive whether case matters
 */
public record PhraseTerm(String name, String phrase, CountRule rule, int count, boolean caseSensitive)
        implements RewardTerm {

    /** How the number of occurrences is compared with the configured count. */
    public enum CountRule {
        EXACTLY, AT_LEAST, AT_MOST;

        boolean holds(int occurrences, int count) {
            return switch (this) {
                case EXACTLY -> occurrences == count;
                case AT_LEAST -> occurrences >= count;
                case AT_MOST -> occurrences <= count;
            };
        }
    }

    public PhraseTerm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(rule, "rule");
        if (phrase == null || phrase.isEmpty()) {
            throw new IllegalArgumentException("phrase must not be empty");
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
    }

    /** Number of non-overlapping occurrences of the phrase in {@code text}. */
    public int occurrences(String text) {
        String hay = caseSensitive ? text : text.toLowerCase(Locale.ROOT);
        String needle = caseSensitive ? phrase : phrase.toLowerCase(Locale.ROOT);
        int n = 0;
        for (int i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    @Override
    public double score(RewardInput in) {
        return rule.holds(occurrences(in.completion()), count) ? 1.0 : 0.0;
    }
}
