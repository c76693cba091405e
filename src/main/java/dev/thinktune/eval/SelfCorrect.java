package dev.thinktune.eval;

import dev.thinktune.data.Example;

import java.util.ArrayList;
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
        String instruction = ctx.formatInstruction(example);
        return FOLLOW_UP + (instruction.isEmpty() ? "" : " " + instruction);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Transcript> answer(List<Example> questions, EvalContext ctx) {
        List<Transcript.Turn> first = Dialogue.first(questions, ctx);
        List<Transcript.Turn> second = Dialogue.followUp(questions, ctx, first, e -> followUp(ctx, e));
        List<Transcript> out = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            out.add(new Transcript(i, questions.get(i), List.of(first.get(i), second.get(i)),
                    second.get(i).completion(), 0));
        }
        return out;
    }
}
