package dev.thinktune.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads a {@link TrainConfig} from YAML or JSON: the file's values over the defaults, then command-line
 * overrides ({@code section.field=value}), then validation. Errors name the file, the field and what is allowed.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));
    private static final ObjectMapper JSON = configure(new ObjectMapper());

    private ConfigLoader() {
    }

    private static ObjectMapper configure(ObjectMapper m) {
        return m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    /** The defaults with overrides applied. */
    public static TrainConfig load(List<String> overrides) {
        return load(TrainConfig.class, TrainConfig.defaults(), overrides);
    }

    /** A config file (YAML, or JSON by extension) over the defaults, with overrides applied. */
    public static TrainConfig load(Path file, List<String> overrides) {
        return load(TrainConfig.class, TrainConfig.defaults(), file, overrides);
    }

    /** Defaults of any config record with overrides applied. */
    public static <T> T load(Class<T> type, T defaults, List<String> overrides) {
        return bind(type, withOverrides(YAML.valueToTree(defaults), overrides), "defaults");
    }

    /** A config file over the defaults of any config record, with overrides applied. */
    public static <T> T load(Class<T> type, T defaults, Path file, List<String> overrides) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + file + ": " + e.getMessage());
        }
        JsonNode user;
        try {
            user = (file.toString().endsWith(".json") ? JSON : YAML).readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid " + (file.toString().endsWith(".json") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage());
        }
        ObjectNode merged = YAML.valueToTree(defaults);
        if (user != null && !user.isNull() && !user.isMissingNode()) {
            if (!user.isObject()) {
                throw new ConfigException(file + ": the top level must be a mapping of sections");
            }
            merge(merged, user);
        }
        return bind(type, withOverrides(merged, overrides), file.toString());
    }

    /** Parses a config text (YAML) over the defaults, for configs saved with checkpoints. */
    public static TrainConfig parse(String yaml, String source) {
        try {
            ObjectNode merged = tree(TrainConfig.defaults());
            JsonNode user = YAML.readTree(yaml);
            if (user != null && user.isObject()) {
                merge(merged, user);
            }
            return bind(TrainConfig.class, merged, source);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getOriginalMessage());
        }
    }

    public static String toYaml(Object config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode tree(TrainConfig config) {
        return YAML.valueToTree(config);
    }

    private static <T> T bind(Class<T> type, JsonNode tree, String source) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            TreeSet<String> known = e.getKnownPropertyIds().stream().map(String::valueOf)
                    .map(ConfigLoader::snake).collect(Collectors.toCollection(TreeSet::new));
            throw new ConfigException(source + ": unknown field '" + path(e) + "'; allowed here: "
                    + String.join(", ", known));
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException iae && root != e) {
                throw new ConfigException(source + ": " + iae.getMessage());
            }
            throw new ConfigException(source + ": field '" + path(e) + "': " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + e.getOriginalMessage());
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Deep merge: objects merge key by key, anything else (scalars, lists) replaces. */
    private static void merge(ObjectNode into, JsonNode from) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = into.get(e.getKey());
            if (existing != null && existing.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) existing, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Applies {@code a.b.c=value} overrides; the value is read as YAML (numbers, booleans, lists). */
    static ObjectNode withOverrides(ObjectNode tree, List<String> overrides) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("override '" + o + "' must look like section.field=value");
            }
            String[] keys = o.substring(0, eq).trim().split("\\.");
            JsonNode value;
            try {
                value = YAML.readTree(o.substring(eq + 1));
            } catch (JsonProcessingException e) {
                throw new ConfigException("override '" + o + "': value is not valid YAML");
            }
            if (value == null || value.isMissingNode()) {
                value = YAML.getNodeFactory().textNode("");
            }
            ObjectNode node = tree;
            for (int i = 0; i < keys.length - 1; i++) {
                JsonNode child = node.get(keys[i]);
                if (child == null || !child.isObject()) {
                    throw new ConfigException("override '" + o + "': no section '" + keys[i] + "'");
                }
                node = (ObjectNode) child;
            }
            if (!node.has(keys[keys.length - 1])) {
                throw new ConfigException("override '" + o + "': unknown field '" + keys[keys.length - 1] + "'");
            }
            node.set(keys[keys.length - 1], value);
        }
        return tree;
    }

    /** Writes the config as YAML into a file (atomically). */
    public static void write(Object config, Path file) {
        dev.thinktune.model.AtomicFiles.writeString(file, toYaml(config));
    }
}
