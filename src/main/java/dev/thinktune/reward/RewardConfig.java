package dev.thinktune.reward;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.thinktune.config.Default;
import dev.thinktune.config.Help;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The configured reward: a list of weighted terms. In YAML:
 * <pre>
 * terms:
 *   - type: correctness        # 1.0 for a correct answer that ends with EOS
 *     weight: 1.0
 *     params: {require_eos: true, extraction: lenient}
 *   - type: phrase             # the teacher's marker phrase, exactly once
 *     weight: 0.5
 *     params: {phrase: "Thalapathy Vijay", count: 1, rule: exactly}
 * </pre>
 * Reading checks the shape (unknown or mistyped fields are named); {@link #validate()} or
 * {@link RewardFunction#from} checks the terms.
 */
public record RewardConfig(
        @Default("[{\"type\": \"correctness\", \"weight\": 1.0, \"params\": {\"require_eos\": true}}]")
        @Help("the reward's terms (type, weight, params), summed; logged in this order") List<TermSpec> terms) {

    private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()));
    private static final ObjectMapper JSON = configure(new ObjectMapper());

    public RewardConfig {
        terms = terms == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(terms));
    }

    /** The paper's reward: correctness with weight 1.0 and EOS gating, nothing else. */
    public static RewardConfig paper() {
        return new RewardConfig(List.of(new TermSpec(TermType.CORRECTNESS.id(), 1.0, Map.of("require_eos", true))));
    }

    /** Checks every term (types, weights, parameters, unique names); returns this configuration. */
    public RewardConfig validate() {
        RewardFunction.from(this);
        return this;
    }

    /** Reads a configuration from a YAML text; {@code source} names it in errors. */
    public static RewardConfig fromYaml(String yaml, String source) {
        return parse(YAML, yaml, source);
    }

    /** Reads a configuration from a JSON text; {@code source} names it in errors. */
    public static RewardConfig fromJson(String json, String source) {
        return parse(JSON, json, source);
    }

    /** Reads a configuration file: JSON when its name ends with .json, else YAML. */
    public static RewardConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reward config " + file, e);
        }
        return file.getFileName().toString().endsWith(".json")
                ? fromJson(text, file.toString()) : fromYaml(text, file.toString());
    }

    /** This configuration as YAML (round-trips through {@link #fromYaml}). */
    public String toYaml() {
        try {
            return YAML.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectMapper configure(ObjectMapper m) {
        return m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    private static RewardConfig parse(ObjectMapper mapper, String text, String source) {
        try {
            RewardConfig c = mapper.readValue(text, RewardConfig.class);
            if (c == null) {
                throw new RewardConfigException(source, "", "empty reward configuration", null);
            }
            return c;
        } catch (JsonProcessingException e) {
            StreamReadException syntax = syntaxError(e);
            if (syntax != null) {
                String msg = syntax.getOriginalMessage();
                int cut = msg.indexOf(" (start marker at");
                throw new RewardConfigException(source, "", "not valid " + (mapper == JSON ? "JSON" : "YAML")
                        + lineOf(syntax) + ": " + (cut < 0 ? msg : msg.substring(0, cut)), e);
            }
            if (e instanceof UnrecognizedPropertyException u) {
                TreeSet<String> known = new TreeSet<>();
                u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
                throw new RewardConfigException(source, path(u), "unknown field; allowed: " + String.join(", ", known),
                        e);
            }
            if (e instanceof InvalidFormatException f) {
                throw new RewardConfigException(source, path(f), "expected " + typeName(f.getTargetType()) + ", got '"
                        + f.getValue() + "'", e);
            }
            if (e instanceof MismatchedInputException m) {
                throw new RewardConfigException(source, path(m), "expected " + typeName(m.getTargetType())
                        + lineOf(m), e);
            }
            String field = e instanceof JsonMappingException jm ? path(jm) : "";
            throw new RewardConfigException(source, field, e.getOriginalMessage(), e);
        }
    }

    private static StreamReadException syntaxError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamReadException s) {
                return s;
            }
        }
        return null;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String lineOf(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    private static String typeName(Class<?> c) {
        if (c == null) {
            return "another value";
        }
        if (Number.class.isAssignableFrom(c) || c == double.class || c == int.class) {
            return "a number";
        }
        if (c == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(c)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(c) || c.isRecord()) {
            return "a mapping";
        }
        return c.getSimpleName();
    }
}
