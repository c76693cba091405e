package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.reward.AnswerExtractor;

import java.util.List;

/**
 * Self-Verify: the zero-shot CoT answer, then a second turn (the first answer as the assistant's message) asking
 * the model to verify that answer and revise it if it is wrong. The final answer is the second turn's when it
 * states one explicitly ({@code \boxed{}}, {@code ####}, "the answer is", a bare label or yes/no: the strict
 * extractor, so that numbers merely mentioned while checking do not count as a revision), else the first turn's.
 */
public record SelfVerify() implements Strategy {
    public static final String NAME = "self-verify";
    public static final String FOLLOW_UP = "Verify your previous answer: check each step of your reasoning and the"
            + " final answer. If the answer is wrong, revise it and give the corrected final answer; if it is right,"
            + " state it again.";

    /** The second user message of {@code example}: the verification request and the format instruction. */
    public static String followUp(EvalContext ctx, Example example) {
        return Dialogue.withInstruction(ctx, example, FOLLOW_UP);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String prompt() {
        return "zero-shot CoT, then a second turn asking to verify and revise the answer";
    }

    @Override
    public List<Transcript> answer(List<Example> questions, EvalContext ctx) {
        return Dialogue.twoTurns(questions, ctx, e -> followUp(ctx, e),
                (e, first, revised) -> AnswerExtractor.STRICT.extract(revised, e).isPresent() ? revised : first);
    }
}
