package dev.thinktune.eval;

import dev.thinktune.data.Example;

import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot chain of thought (Kojima et al., 2022): the question and its choices, then "Let's think step by
 * step." and the answer-format instruction of its type, answered in one turn. The other strategies ask their
 * first question the same way.
 */
public record ZeroShotCot() implements Strategy {
    public static final String NAME = "zero-shot-cot";
    public static final String TRIGGER = "Let's think step by step.";

    /** The user message: question, choices, the trigger and the format instruction. */
    public static String userMessage(EvalContext ctx, Example example) {
        return Dialogue.withInstruction(ctx, example, ctx.questionText(example) + "\n\n" + TRIGGER);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String prompt() {
        return "the question, \"" + TRIGGER + "\" and the format instruction";
    }

    @Override
    public List<Transcript> answer(List<Example> questions, EvalContext ctx) {
        List<Transcript.Turn> first = Dialogue.first(questions, ctx);
        List<Transcript> out = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            out.add(new Transcript(i, questions.get(i), List.of(first.get(i)), first.get(i).completion(), 0));
        }
        return out;
    }
}
