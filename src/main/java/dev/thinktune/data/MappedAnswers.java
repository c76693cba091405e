package dev.thinktune.data;

import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/** The reference answer of a generically mapped row, checked and normalised for its answer type. */
final class MappedAnswers {

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    private MappedAnswers() {
    }

    /**
     * @param error builds the error for the answer field
     */
    static String normalize(String raw, Example.AnswerType type, List<Example.Choice> choices, String field,
                            BiFunction<String, String, DataFormatException> error) {
        return switch (type) {
            case NUMBER -> {
                String s = raw.contains("####") ? raw.substring(raw.lastIndexOf("####") + 4) : raw;
                s = s.strip().replace(",", "").replace("$", "");
                if (!NUMBER.matcher(s).matches()) {
                    throw error.apply(field, "expected a number, got '" + raw.strip() + "'");
                }
                yield s;
            }
            case MATH -> raw.strip();
            case CHOICE -> {
                String s = raw.strip();
                for (Example.Choice c : choices) {
                    if (c.label().equalsIgnoreCase(s)) {
                        yield c.label();
                    }
                }
                for (Example.Choice c : choices) {
                    if (c.text().strip().equalsIgnoreCase(s)) {
                        yield c.label();
                    }
                }
                throw error.apply(field, "'" + s + "' is neither a label ("
                        + String.join(", ", choices.stream().map(Example.Choice::label).toList())
                        + ") nor the text of a choice");
            }
            case YES_NO -> StrategyQaReader.yesNo(raw).orElseThrow(() -> error.apply(field,
                    "expected yes/no or true/false, got '" + raw.strip() + "'"));
        };
    }

    static String label(int i) {
        return String.valueOf((char) ('A' + i));
    }
}
