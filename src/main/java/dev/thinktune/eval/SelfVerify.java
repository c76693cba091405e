package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.reward.AnswerExtractor;

import java.util.ArrayList;
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
            Example e = questions.get(i);
            String revised = second.get(i).completion();
            boolean states = AnswerExtractor.STRICT.extract(revised, e).isPresent();
            out.add(new Transcript(i, e, List.of(first.get(i), second.get(i)),
                    states ? revised : first.get(i).completion(), 0));
        }
        return out;
    }
}
