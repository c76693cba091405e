package dev.thinktune.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parsing of kebab-case enum names in configs, with an error that lists the allowed names. */
final class ConfigEnums {
    private ConfigEnums() {
    }

    static <E extends Enum<E>> E parse(Class<E> type, String field, String s) {
        String norm = s == null ? "" : s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(norm)) {
                return e;
            }
        }
        throw new ConfigException(field, s, "one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", ")));
    }

    static String id(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
