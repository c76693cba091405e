package dev.thinktune.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One JSON object of a dataset, with its location, and typed access to its fields by dotted path
 * ({@code question.stem}, {@code choices.0.text}); every error names the file, the line and the field.
 */
public final class JsonRow {

    private final Path file;
    private final long line;
    private final JsonNode node;
    private final String fieldPrefix;

    /**
     * @param fieldPrefix prepended to field names in errors, e.g. "examples[3]." for an object inside a document
     */
    JsonRow(Path file, long line, JsonNode node, String fieldPrefix) {
        this.file = file;
        this.line = line;
        this.node = node;
        this.fieldPrefix = fieldPrefix;
    }

    public Path file() {
        return file;
    }

    public long line() {
        return line;
    }

    public JsonNode node() {
        return node;
    }

    /** "train.jsonl:12": the id of a row that has none of its own. */
    public String defaultId() {
        return file.getFileName() + ":" + line;
    }

    /** An error about {@code field} of this row. */
    public DataFormatException error(String field, String detail) {
        return new DataFormatException(file, line, fieldPrefix + field, detail);
    }

    /** The node at a dotted path, empty when absent or JSON null. */
    public Optional<JsonNode> find(String path) {
        JsonNode n = node;
        for (String part : path.split("\\.")) {
            if (n == null) {
                return Optional.empty();
            }
            n = n.isArray() && part.chars().allMatch(Character::isDigit) ? n.get(Integer.parseInt(part)) : n.get(part);
        }
        return n == null || n.isNull() || n.isMissingNode() ? Optional.empty() : Optional.of(n);
    }

    /** A required, non-blank string field. */
    public String text(String path) {
        return optText(path).orElseThrow(() -> error(path, "missing"));
    }

    /** A string field when present; a blank string counts as absent, another type is an error. */
    public Optional<String> optText(String path) {
        Optional<JsonNode> n = find(path);
        if (n.isEmpty()) {
            return Optional.empty();
        }
        if (!n.get().isTextual()) {
            throw error(path, "expected a string, got " + kind(n.get()));
        }
        String s = n.get().asText();
        return s.isBlank() ? Optional.empty() : Optional.of(s);
    }

    /** A required string or number field, as text (answers are numbers in some releases, strings in others). */
    public String scalar(String path) {
        return optScalar(path).orElseThrow(() -> error(path, "missing"));
    }

    /** A string or number field when present, as text. */
    public Optional<String> optScalar(String path) {
        Optional<JsonNode> n = find(path);
        if (n.isEmpty()) {
            return Optional.empty();
        }
        if (!n.get().isTextual() && !n.get().isNumber()) {
            throw error(path, "expected a string or a number, got " + kind(n.get()));
        }
        String s = n.get().asText().strip();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** The first of {@code names} present in the row (releases spell fields differently), as a field name. */
    public Optional<String> firstPresent(List<String> names) {
        return names.stream().filter(n -> find(n).isPresent()).findFirst();
    }

    /** A required array field. */
    public JsonNode array(String path) {
        JsonNode n = find(path).orElseThrow(() -> error(path, "missing"));
        if (!n.isArray()) {
            throw error(path, "expected a list, got " + kind(n));
        }
        return n;
    }

    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
