package dev.thinktune.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Generic JSON Lines read through a {@link ColumnMapping} (dotted paths into each object).
 *
 * @param mapping where the fields are
 */
public record MappedJsonFormat(ColumnMapping mapping) implements JsonRowMapper {

    public MappedJsonFormat {
        Objects.requireNonNull(mapping, "mapping");
    }

    @Override
    public Example map(JsonRow row) {
        String question = row.text(mapping.question());
        List<Example.Choice> choices = mapping.choices() == null ? List.of() : choices(row, mapping.choices());
        String answer = MappedAnswers.normalize(row.scalar(mapping.answer()), mapping.type(), choices,
                mapping.answer(), row::error);
        String solution = mapping.solution() == null ? "" : row.optText(mapping.solution()).orElse("");
        String id = mapping.id() == null ? row.defaultId() : row.optScalar(mapping.id()).orElse(row.defaultId());
        return new Example(id, question, answer, solution, choices, mapping.type());
    }

    private static List<Example.Choice> choices(JsonRow row, String field) {
        JsonNode n = row.find(field).orElseThrow(() -> row.error(field, "missing"));
        List<Example.Choice> out = new ArrayList<>();
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                JsonNode c = n.get(i);
                if (c.isTextual() || c.isNumber()) {
                    out.add(new Example.Choice(MappedAnswers.label(i), c.asText().strip()));
                } else if (c.isObject() && c.hasNonNull("label") && c.hasNonNull("text")) {
                    out.add(new Example.Choice(c.get("label").asText().strip(), c.get("text").asText().strip()));
                } else {
                    throw row.error(field + "[" + i + "]", "expected a string or {label, text}, got "
                            + JsonRow.kind(c));
                }
            }
        } else if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(new Example.Choice(e.getKey(), e.getValue().asText().strip()));
            }
        } else {
            throw row.error(field, "expected a list or an object of choices, got " + JsonRow.kind(n));
        }
        if (out.size() < 2 || out.size() > 26) {
            throw row.error(field, "expected 2 to 26 choices, got " + out.size());
        }
        return out;
    }
}
