package dev.thinktune.reward;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Typed, validated access to one term's {@code params}; errors name the field path. */
final class TermParams {

    private final Map<String, Object> raw;
    private final String path;

    TermParams(Map<String, Object> raw, String path) {
        this.raw = raw;
        this.path = path;
    }

    void allowOnly(String type, Set<String> allowed) {
        for (String key : raw.keySet()) {
            if (!allowed.contains(key)) {
                throw new RewardConfigException(path + "." + key, "unknown parameter of '" + type + "'; allowed: "
                        + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    String string(String key, String dflt) {
        Object v = raw.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new RewardConfigException(path + "." + key, "expected a non-empty string, got " + describe(v));
        }
        return s;
    }

    String requiredString(String key) {
        String s = string(key, null);
        if (s == null) {
            throw new RewardConfigException(path + "." + key, "required");
        }
        return s;
    }

    boolean bool(String key, boolean dflt) {
        Object v = raw.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Boolean b)) {
            throw new RewardConfigException(path + "." + key, "expected true or false, got " + describe(v));
        }
        return b;
    }

    int integer(String key, Integer dflt, int min) {
        Object v = raw.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new RewardConfigException(path + "." + key, "required");
            }
            return dflt;
        }
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
                || ((Number) v).longValue() > Integer.MAX_VALUE) {
            throw new RewardConfigException(path + "." + key, "expected an integer >= " + min + ", got "
                    + describe(v));
        }
        return ((Number) v).intValue();
    }

    double number(String key, double dflt, double min) {
        Object v = raw.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < min) {
            throw new RewardConfigException(path + "." + key, "expected a number >= " + min + ", got "
                    + describe(v));
        }
        return n.doubleValue();
    }

    /** One of {@code allowed} (case-insensitive, '-' read as '_'), returned in lower case. */
    String oneOf(String key, List<String> allowed, String dflt) {
        Object v = raw.get(key);
        if (v == null) {
            return dflt;
        }
        String s = v instanceof String str ? str.toLowerCase(Locale.ROOT).replace('-', '_') : null;
        if (s == null || !allowed.contains(s)) {
            throw new RewardConfigException(path + "." + key, "expected one of " + String.join(", ", allowed)
                    + ", got " + describe(v));
        }
        return s;
    }

    static String describe(Object v) {
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        return String.valueOf(v);
    }
}
