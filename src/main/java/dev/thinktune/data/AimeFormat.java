package dev.thinktune.data;

import java.util.List;
import java.util.regex.Pattern;

/**
 * AIME JSON Lines: the problem in {@code problem} (or {@code question}, {@code Problem}, {@code Question}, as the
 * common releases spell it), the integer answer in {@code answer} or {@code Answer} (a number or a string), an
 * optional {@code solution}/{@code Solution} and {@code id}/{@code ID}. Answer type NUMBER.
 */
public final class AimeFormat implements JsonRowMapper {

    static final List<String> QUESTION_FIELDS = List.of("problem", "question", "Problem", "Question");
    static final List<String> ANSWER_FIELDS = List.of("answer", "Answer");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    @Override
    public Example map(JsonRow row) {
        String qField = row.firstPresent(QUESTION_FIELDS).orElseThrow(() -> row.error(QUESTION_FIELDS.get(0),
                "missing (also looked for " + String.join(", ", QUESTION_FIELDS.subList(1, QUESTION_FIELDS.size()))
                        + ")"));
        String aField = row.firstPresent(ANSWER_FIELDS).orElseThrow(() -> row.error("answer",
                "missing (also looked for Answer)"));
        String answer = row.scalar(aField).replace(",", "");
        if (!NUMBER.matcher(answer).matches()) {
            throw row.error(aField, "expected a number, got '" + answer + "'");
        }
        String solution = row.optText("solution").or(() -> row.optText("Solution")).orElse("");
        String id = row.optScalar("id").or(() -> row.optScalar("ID")).orElse(row.defaultId());
        return new Example(id, row.text(qField), answer, solution, List.of(), Example.AnswerType.NUMBER);
    }
}
