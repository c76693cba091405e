package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.SamplingParams;

import java.util.ArrayList;
import java.util.List;

/**
 * The question exactly as {@code train} asks it: the data format's prompt (question, choices and the format's
 * instruction, or {@code data.instruction}) as the user turn after the system prompt, through the same
 * {@link dev.thinktune.rollout.PromptEncoder#encode} as rollouts, answered in one turn. No "Let's think step by
 * step.": a student tuned on these prompts is measured on what it was tuned on. {@code train}'s held-out
 * evaluation ({@link AccuracyEvaluator}) is this strategy, so {@code eval --strategy training-prompt} with the same
 * model, questions and sampling gives the same answers.
 */
public record TrainingPrompt() implements Strategy {
    public static final String NAME = "training-prompt";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String prompt() {
        return "the training prompt: the data format's question and instruction as `train` asks it, no trigger";
    }

    @Override
    public List<Transcript> answer(List<Example> questions, EvalContext ctx) {
        List<int[]> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<SamplingParams> params = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            var prompt = ctx.prompts().encode(questions.get(i));
            ids.add(prompt.ids());
            texts.add(ctx.prompts().tokenizer().decode(prompt.ids(), false)); // exactly the ids, special tokens shown
            params.add(ctx.params().withSeed(ctx.seed(i, 0)));
        }
        List<Completion> out = Batched.generate(ctx, ids, params);
        List<Transcript> transcripts = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            Completion c = out.get(i);
            String text = ctx.decode(c.tokenIds());
            transcripts.add(new Transcript(i, questions.get(i),
                    List.of(new Transcript.Turn(texts.get(i), text, c.length(), c.finishReason())), text, 0));
        }
        return transcripts;
    }
}
