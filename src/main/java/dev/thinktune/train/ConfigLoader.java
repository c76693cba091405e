package dev.thinktune.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.thinktune.config.ConfigDefaults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.NoSuchFileException;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads a {@link TrainConfig} from YAML or JSON: the file's values over the defaults, then command-line
 * overrides ({@code section.field=value}), then validation. Errors name where the value came from (the file, or
 * the {@code --set} override), the field, the value and what is allowed, with a "did you mean" for a near-miss
 * field name. Integer fields take whole numbers only ({@code training.steps: 1.5} is refused, not truncated).
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = ConfigDefaults.configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));
    private static final ObjectMapper JSON = ConfigDefaults.configure(new ObjectMapper());

    /** Sections that are absent (null) by default, with the defaults a {@code --set} of one field fills in. */
    static final Map<String, ObjectNode> OPTIONAL_SECTIONS = Map.of(
            "model.lora", YAML.valueToTree(dev.thinktune.lora.LoraConfig.DEFAULTS),
            "distributed.spark", YAML.valueToTree(TrainConfig.SparkSection.DEFAULTS));

    private ConfigLoader() {
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
        Map<String, String> applied = new LinkedHashMap<>();
        return bind(type, withOverrides(YAML.valueToTree(defaults), overrides, applied), "defaults", applied);
    }

    /** A config file over the defaults of any config record, with overrides applied. */
    public static <T> T load(Class<T> type, T defaults, Path file, List<String> overrides) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " not found" + DidYouMean.hintForPath(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e);
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
        Map<String, String> applied = new LinkedHashMap<>();
        return bind(type, withOverrides(merged, overrides, applied), file.toString(), applied);
    }

    /** Parses a config text (YAML) over the defaults, for configs saved with checkpoints. */
    public static TrainConfig parse(String yaml, String source) {
        try {
            ObjectNode merged = tree(TrainConfig.defaults());
            JsonNode user = YAML.readTree(yaml);
            if (user != null && user.isObject()) {
                merge(merged, user);
            }
            return bind(TrainConfig.class, merged, source, Map.of());
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

    /**
     * Binds the merged tree; an error is blamed on the {@code --set} override that wrote the field at fault (from
     * {@code applied}: dotted key to override), else on {@code source}.
     */
    private static <T> T bind(Class<T> type, JsonNode tree, String source, Map<String, String> applied) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            TreeSet<String> known = e.getKnownPropertyIds().stream().map(String::valueOf)
                    .map(ConfigLoader::snake).collect(Collectors.toCollection(TreeSet::new));
            String field = path(e);
            throw new ConfigException(blame(field, source, applied) + ": unknown field '" + field + "'"
                    + DidYouMean.hint(String.valueOf(e.getPropertyName()), known) + " (allowed here: "
                    + String.join(", ", known) + ")");
        } catch (MismatchedInputException e) {
            String field = path(e);
            JsonNode value = tree.at("/" + field.replace(".", "/").replace("[", "/").replace("]", ""));
            throw new ConfigException(blame(field, source, applied) + ": " + field + " = "
                    + (value.isMissingNode() ? "?" : value.isTextual() ? value.asText() : value.toString())
                    + " is invalid: must be " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException iae && root != e) {
                String field = root instanceof ConfigException ce && ce.field() != null ? ce.field() : path(e);
                throw new ConfigException(blame(field, source, applied) + ": " + iae.getMessage());
            }
            throw new ConfigException(blame(path(e), source, applied) + ": field '" + path(e) + "': "
                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + e.getOriginalMessage());
        }
    }

    private static String blame(String field, String source, Map<String, String> applied) {
        for (Map.Entry<String, String> o : applied.entrySet()) {
            String key = o.getKey();
            if (key.equals(field) || field.startsWith(key + ".") || key.startsWith(field + ".")) {
                return "--set " + o.getValue();
            }
        }
        return source;
    }

    /** What a value of {@code type} looks like, for an error message. */
    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number (no decimal point)";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a text value";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type.isRecord()) {
            return "a section: a mapping of its fields";
        }
        return "a value of type " + type.getSimpleName();
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
        return withOverrides(tree, overrides, new LinkedHashMap<>());
    }

    /** As {@link #withOverrides(ObjectNode, List)}, recording each applied key with its override in {@code applied}. */
    private static ObjectNode withOverrides(ObjectNode tree, List<String> overrides, Map<String, String> applied) {
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
                JsonNode off = OPTIONAL_SECTIONS.get(String.join(".", List.of(keys).subList(0, i + 1)));
                if (child != null && child.isNull() && off != null) {
                    // a section that is off by default (model.lora): setting one of its fields turns it on with
                    // the defaults of the others
                    child = node.set(keys[i], off.deepCopy()).get(keys[i]);
                }
                if (child == null || !child.isObject()) {
                    String where = String.join(".", List.of(keys).subList(0, i + 1));
                    throw new ConfigException("--set " + o + ": " + (child == null
                            ? "no section '" + where + "'" + DidYouMean.hint(keys[i], sections(node))
                            + " (sections here: " + String.join(", ", sections(node)) + ")"
                            : "'" + where + "' is a value, not a section; set it as " + where + "=VALUE"));
                }
                node = (ObjectNode) child;
            }
            String last = keys[keys.length - 1];
            String prefix = keys.length > 1 ? String.join(".", List.of(keys).subList(0, keys.length - 1)) + "." : "";
            if (!node.has(last)) {
                TreeSet<String> fields = new TreeSet<>();
                node.fieldNames().forEachRemaining(fields::add);
                throw new ConfigException("--set " + o + ": unknown field '" + prefix + last + "'"
                        + DidYouMean.hint(last, fields) + " (allowed here: " + String.join(", ", fields) + ")");
            }
            JsonNode existing = node.get(last);
            if (existing.isObject() && !value.isObject()) {
                TreeSet<String> fields = new TreeSet<>();
                existing.fieldNames().forEachRemaining(fields::add);
                throw new ConfigException("--set " + o + ": '" + prefix + last + "' is a section, not a value; set "
                        + "one of its fields as " + prefix + last + ".FIELD=VALUE (its fields: "
                        + String.join(", ", fields) + ")");
            }
            node.set(last, value);
            applied.put(prefix + last, o);
        }
        return tree;
    }

    private static List<String> sections(ObjectNode node) {
        List<String> out = new java.util.ArrayList<>();
        node.fields().forEachRemaining(f -> {
            if (f.getValue().isObject()) {
                out.add(f.getKey());
            }
        });
        return out;
    }

    /** Writes the config as YAML into a file (atomically). */
    public static void write(Object config, Path file) {
        dev.thinktune.model.AtomicFiles.writeString(file, toYaml(config));
    }
}
