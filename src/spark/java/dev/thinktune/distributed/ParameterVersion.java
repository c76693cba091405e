package dev.thinktune.distributed;

import java.io.Serializable;
import java.util.Map;

/**
 * The trainable parameters after {@code version} optimizer updates, by name, flattened in C order: what the
 * driver broadcasts once per new version.
 */
record ParameterVersion(long version, Map<String, float[]> parameters) implements Serializable {
    long bytes() {
        return parameters.values().stream().mapToLong(a -> 4L * a.length).sum();
    }
}
