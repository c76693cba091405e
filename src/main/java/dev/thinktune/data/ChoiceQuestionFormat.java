package dev.thinktune.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * CommonsenseQA and ARC JSON Lines: {@code id}, {@code question.stem}, {@code question.choices} as
 * {@code [{label, text}]} (letters, or digits "1".."5" in some ARC questions) and {@code answerKey}, which must be
 * one of the labels. Answer type CHOICE.
 *
 * @param minChoices fewest choices a question may have
 * @param maxChoices most choices a question may have
 */
public record ChoiceQuestionFormat(int minChoices, int maxChoices) implements JsonRowMapper {

    /** CommonsenseQA: five choices A to E. */
    public static final ChoiceQuestionFormat COMMONSENSE_QA = new ChoiceQuestionFormat(5, 5);
    /** ARC: three to five choices. */
    public static final ChoiceQuestionFormat ARC = new ChoiceQuestionFormat(3, 5);

    public ChoiceQuestionFormat {
        if (minChoices < 2 || maxChoices < minChoices) {
            throw new IllegalArgumentException("need 2 <= minChoices <= maxChoices, got " + minChoices + ", "
                    + maxChoices);
        }
    }

    @Override
    public Example map(JsonRow row) {
        String stem = row.text("question.stem");
        JsonNode array = row.array("question.choices");
        List<Example.Choice> choices = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String base = "question.choices." + i;
            String field = "question.choices[" + i + "]";
            if (!array.get(i).isObject()) {
                throw row.error(field, "expected an object with label and text, got " + JsonRow.kind(array.get(i)));
            }
            String label = row.optScalar(base + ".label").orElseThrow(() -> row.error(field + ".label", "missing"));
            String text = row.optScalar(base + ".text").orElseThrow(() -> row.error(field + ".text", "missing"));
            if (!labels.add(label)) {
                throw row.error(field + ".label", "label '" + label + "' appears twice");
            }
            choices.add(new Example.Choice(label, text));
        }
        if (choices.size() < minChoices || choices.size() > maxChoices) {
            throw row.error("question.choices", (minChoices == maxChoices ? "expected " + minChoices
                    : "expected " + minChoices + " to " + maxChoices) + " choices, got " + choices.size());
        }
        String key = row.scalar("answerKey");
        if (!labels.contains(key)) {
            throw row.error("answerKey", "'" + key + "' is not one of the labels "
                    + String.join(", ", choices.stream().map(Example.Choice::label).toList()));
        }
        String id = row.optScalar("id").orElse(row.defaultId());
        return new Example(id, stem, key, "", choices, Example.AnswerType.CHOICE);
    }
}
