package dev.thinktune.eval;

import dev.thinktune.data.Example;

import java.util.List;

/**
 * Self-Correct (intrinsic self-correction, as in Huang et al., 2024): the zero-shot CoT answer, then a second
 * turn (the first answer as the assistant's message) asking the model to find problems with its answer and
 * improve it. The final answer is the second turn's, whatever it says.
 */
public record SelfCorrect() implements Strategy {
    public static final String NAME = "self-correct";
    public static final String FOLLOW_UP = "Review your previous answer and find problems with your answer."
            + " Based on the problems you found, improve your answer.";

    /** The second user message of {@code example}: the review request and the format instruction. */
    public static String followUp(EvalContext ctx, Example example) {
        return Dialogue.withInstruction(ctx, example, FOLLOW_UP);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String prompt() {
        return "zero-shot CoT, then a second turn asking to find problems and improve the answer";
    }

    @Override
    public List<Transcript> answer(List<Example> questions, EvalContext ctx) {
        return Dialogue.twoTurns(questions, ctx, e -> followUp(ctx, e), (e, first, second) -> second);
    }
}
