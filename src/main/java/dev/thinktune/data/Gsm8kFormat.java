package dev.thinktune.data;

import java.util.List;
import java.util.regex.Pattern;

/**
 * GSM8K JSON Lines: {@code question}, and {@code answer}, a worked solution whose last line is {@code #### n}. The
 * example's answer is n with thousands separators removed; its solution is the text before {@code ####} without
 * the calculator annotations {@code <<48/2=24>>}. Optional {@code id}. Answer type NUMBER.
 */
public final class Gsm8kFormat implements JsonRowMapper {

    private static final Pattern CALCULATOR = Pattern.compile("<<[^<>]*>>");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    @Override
    public Example map(JsonRow row) {
        String question = row.text("question");
        String answer = row.text("answer");
        int at = answer.lastIndexOf("####");
        if (at < 0) {
            throw row.error("answer", "no final '#### <number>' line");
        }
        String number = answer.substring(at + 4).strip().replace(",", "");
        if (!NUMBER.matcher(number).matches()) {
            throw row.error("answer", "the text after #### is not a number: '" + answer.substring(at + 4).strip()
                    + "'");
        }
        String id = row.optScalar("id").orElse(row.defaultId());
        return new Example(id, question, number, solutionText(answer.substring(0, at)), List.of(),
                Example.AnswerType.NUMBER);
    }

    /** A GSM8K solution without its calculator annotations: "48/2 = <<48/2=24>>24" becomes "48/2 = 24". */
    public static String solutionText(String worked) {
        return CALCULATOR.matcher(worked).replaceAll("").strip();
    }
}
