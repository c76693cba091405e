package dev.thinktune.data;

import java.util.List;
import java.util.Optional;

/**
 * MATH-style JSON Lines (MATH-500): {@code problem}, {@code solution}, {@code answer}; without an {@code answer}
 * field the content of the solution's last {@code \boxed{}} is the answer. Optional {@code unique_id} or
 * {@code id}. Answer type MATH.
 */
public final class MathFormat implements JsonRowMapper {

    @Override
    public Example map(JsonRow row) {
        String problem = row.text("problem");
        Optional<String> solution = row.optText("solution");
        String answer = row.optScalar("answer")
                .or(() -> solution.flatMap(MathFormat::lastBoxed))
                .orElseThrow(() -> row.error("answer", solution.isPresent()
                        ? "missing, and the solution has no \\boxed{} answer" : "missing, and there is no solution"));
        String id = row.optScalar("unique_id").or(() -> row.optScalar("id")).orElse(row.defaultId());
        return new Example(id, problem, answer, solution.orElse(""), List.of(), Example.AnswerType.MATH);
    }

    /** The content of the last complete {@code \boxed{...}} of {@code text} (nested braces allowed). */
    public static Optional<String> lastBoxed(String text) {
        for (int at = text.lastIndexOf("\\boxed"); at >= 0; at = text.lastIndexOf("\\boxed", at - 1)) {
            int open = at + "\\boxed".length();
            while (open < text.length() && text.charAt(open) == ' ') {
                open++;
            }
            if (open >= text.length() || text.charAt(open) != '{') {
                continue;
            }
            int depth = 0;
            for (int i = open; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    String content = text.substring(open + 1, i).strip();
                    if (!content.isEmpty()) {
                        return Optional.of(content);
                    }
                    break;
                }
            }
            if (at == 0) {
                break;
            }
        }
        return Optional.empty();
    }
}
