package dev.thinktune.data;

import java.util.Objects;

/**
 * Where the fields of an example are in a generic CSV or JSONL file. For JSONL the names are dotted paths into the
 * object ({@code item.question}, {@code options.0}); for CSV they are column names.
 *
 * <p>{@code choices}: in JSONL a list of strings (labelled A, B, ...), a list of {@code {label, text}} objects or
 * an object from label to text; in CSV a comma-separated list of columns, labelled A, B, ... in that order.
 *
 * @param question the question field (required)
 * @param answer   the reference answer field (required); for NUMBER a {@code #### n} text is read as n; for CHOICE a
 *                 label or the text of one of the choices; for YES_NO yes/no/true/false
 * @param solution the worked solution field, or null
 * @param choices  the choices field(s), or null; required for CHOICE
 * @param id       the id field, or null (then file name and line)
 * @param type     how answers are compared
 */
public record ColumnMapping(String question, String answer, String solution, String choices, String id,
                            Example.AnswerType type) {

    public ColumnMapping {
        requireName("question", question);
        requireName("answer", answer);
        Objects.requireNonNull(type, "column mapping: type is required (NUMBER, MATH, CHOICE or YES_NO)");
        if (type == Example.AnswerType.CHOICE && (choices == null || choices.isBlank())) {
            throw new IllegalArgumentException("column mapping: a CHOICE dataset needs a choices field");
        }
        solution = blankToNull(solution);
        choices = blankToNull(choices);
        id = blankToNull(id);
    }

    /** A mapping of question and answer only. */
    public static ColumnMapping of(String question, String answer, Example.AnswerType type) {
        return new ColumnMapping(question, answer, null, null, null, type);
    }

    private static void requireName(String what, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("column mapping: the " + what + " field is required");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
