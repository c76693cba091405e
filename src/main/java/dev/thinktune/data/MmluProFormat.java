package dev.thinktune.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * MMLU-Pro JSON Lines: {@code question}, {@code options} (a list of up to ten strings, labelled A to J),
 * {@code answer} (the letter), optional {@code answer_index} (which must agree with the letter),
 * {@code question_id} and {@code cot_content} (the worked solution). Answer type CHOICE.
 */
public final class MmluProFormat implements JsonRowMapper {

    public static final int MAX_OPTIONS = 10;

    @Override
    public Example map(JsonRow row) {
        String question = row.text("question");
        JsonNode options = row.array("options");
        if (options.size() < 2 || options.size() > MAX_OPTIONS) {
            throw row.error("options", "expected 2 to " + MAX_OPTIONS + " options, got " + options.size());
        }
        List<Example.Choice> choices = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            JsonNode o = options.get(i);
            if (!o.isTextual() && !o.isNumber()) {
                throw row.error("options[" + i + "]", "expected a string, got " + JsonRow.kind(o));
            }
            choices.add(new Example.Choice(String.valueOf((char) ('A' + i)), o.asText().strip()));
        }
        String answer = row.scalar("answer").strip();
        int index = answer.length() == 1 ? answer.charAt(0) - 'A' : -1;
        if (index < 0 || index >= choices.size()) {
            throw row.error("answer", "'" + answer + "' is not one of the labels A to "
                    + (char) ('A' + choices.size() - 1));
        }
        row.find("answer_index").ifPresent(n -> {
            if (!n.isIntegralNumber()) {
                throw row.error("answer_index", "expected an integer, got " + JsonRow.kind(n));
            }
            if (n.asInt() != index) {
                throw row.error("answer_index", n.asInt() + " does not agree with answer '" + answer + "' (index "
                        + index + ")");
            }
        });
        String id = row.optScalar("question_id").orElse(row.defaultId());
        return new Example(id, question, answer, row.optText("cot_content").orElse(""), choices,
                Example.AnswerType.CHOICE);
    }
}
