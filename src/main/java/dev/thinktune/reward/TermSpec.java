package dev.thinktune.reward;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One configured reward term, as read from YAML or JSON.
 *
 * @param type   the kind of term: one of {@link TermType}'s names (correctness, eos, phrase, boxed, length)
 * @param weight its weight in the total; null takes the type's default (required where there is none)
 * @param params the type's parameters (snake_case keys); every type accepts {@code name}, the logged name, which
 *               defaults to the type
 */
public record TermSpec(String type, Double weight, Map<String, Object> params) {

    public TermSpec {
        params = params == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static TermSpec of(String type, double weight) {
        return new TermSpec(type, weight, Map.of());
    }

    public static TermSpec of(String type, double weight, Map<String, Object> params) {
        return new TermSpec(type, weight, params);
    }
}
