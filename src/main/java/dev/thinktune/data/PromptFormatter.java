package dev.thinktune.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Renders an example as the model sees it: the question, the choices one per line ("A. text"), and the task
 * instruction of its answer type:
 * <pre>
 * Which gas do plants take in?
 *
 * A. oxygen
 * B. carbon dioxide
 *
 * Answer with the label of the correct option (A, B) and put it within \boxed{}.
 * </pre>
 * The instruction texts live here only; {@code {labels}} in an instruction is replaced by the example's labels.
 * An empty instruction leaves the question (and choices) alone.
 *
 * @param instructions the instruction of each answer type
 */
public record PromptFormatter(Map<Example.AnswerType, String> instructions) {

    public static final String MATH_INSTRUCTION = "Put your final answer within \\boxed{}.";
    public static final String CHOICE_INSTRUCTION =
            "Answer with the label of the correct option ({labels}) and put it within \\boxed{}.";
    public static final String YES_NO_INSTRUCTION = "Answer yes or no, and put your final answer within \\boxed{}.";

    public PromptFormatter {
        EnumMap<Example.AnswerType, String> m = new EnumMap<>(Example.AnswerType.class);
        for (Example.AnswerType t : Example.AnswerType.values()) {
            m.put(t, "");
        }
        Objects.requireNonNull(instructions, "instructions").forEach((k, v) -> m.put(k, v == null ? "" : v));
        instructions = Collections.unmodifiableMap(m);
    }

    /** The default instructions: final answers in {@code \boxed{}}. */
    public static PromptFormatter defaults() {
        return new PromptFormatter(Map.of(
                Example.AnswerType.NUMBER, MATH_INSTRUCTION,
                Example.AnswerType.MATH, MATH_INSTRUCTION,
                Example.AnswerType.CHOICE, CHOICE_INSTRUCTION,
                Example.AnswerType.YES_NO, YES_NO_INSTRUCTION));
    }

    /** No instructions: the question and choices only (e.g. for a model trained on GSM8K-style answers). */
    public static PromptFormatter questionOnly() {
        return new PromptFormatter(Map.of());
    }

    /** This formatter with the instruction of {@code type} replaced. */
    public PromptFormatter withInstruction(Example.AnswerType type, String instruction) {
        EnumMap<Example.AnswerType, String> m = new EnumMap<>(instructions);
        m.put(type, instruction == null ? "" : instruction);
        return new PromptFormatter(m);
    }

    /** The instruction for {@code example}, with its labels filled in. */
    public String instruction(Example example) {
        return instructions.get(example.type()).replace("{labels}", String.join(", ", example.labels()));
    }

    /** The prompt text of {@code example}. */
    public String render(Example example) {
        StringBuilder sb = new StringBuilder(example.question().strip());
        if (!example.choices().isEmpty()) {
            sb.append("\n\n").append(renderChoices(example.choices()));
        }
        String instruction = instruction(example);
        if (!instruction.isBlank()) {
            sb.append("\n\n").append(instruction.strip());
        }
        return sb.toString();
    }

    /** The choices one per line: "A. text". */
    public static String renderChoices(List<Example.Choice> choices) {
        StringBuilder sb = new StringBuilder();
        for (Example.Choice c : choices) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(c.label()).append(". ").append(c.text());
        }
        return sb.toString();
    }
}
