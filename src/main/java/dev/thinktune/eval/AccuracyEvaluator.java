package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.reward.Verification;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;

import java.util.ArrayList;
import java.util.List;

/**
 * The accuracy of a model on a split, as {@code train} measures it on its held-out questions: the
 * {@link TrainingPrompt} strategy (the question exactly as rollouts ask it), batched through the generator, each
 * final answer verified. {@code eval --strategy training-prompt --seed S --seeds 1} with the same sampling gives
 * the same answers.
 */
public final class AccuracyEvaluator {
    /** How the held-out questions are asked, for reports. */
    public static final String PROMPT = "prompt: " + TrainingPrompt.NAME + " (the question as train asks it; "
            + "the same as eval --strategy " + TrainingPrompt.NAME + ")";

    private final Generator generator;
    private final PromptEncoder prompts;
    private final Verifier verifier;
    private final int batchSize;

    public AccuracyEvaluator(Generator generator, PromptEncoder prompts, Verifier verifier, int batchSize) {
        this.generator = generator;
        this.prompts = prompts;
        this.verifier = verifier;
        this.batchSize = batchSize;
    }

    /** One answered question. */
    public record Answer(Example example, String prompt, String completion, int tokens, boolean endedWithEos,
                         Verification verification) {
    }

    /** Accuracy over all answers, with the answers. */
    public record Result(double accuracy, double meanTokens, List<Answer> answers) {
    }

    /**
     * {@code samples} answers per question with {@code params}: answer {@code s} is {@link TrainingPrompt} run with
     * seed {@code params.seed() + s}.
     */
    public Result evaluate(List<Example> examples, SamplingParams params, int samples) {
        List<Answer> answers = new ArrayList<>();
        for (int s = 0; s < samples; s++) {
            EvalContext ctx = new EvalContext(generator, prompts, params.withSeed(params.seed() + s), batchSize, 0);
            for (Transcript t : new TrainingPrompt().answer(examples, ctx)) {
                Transcript.Turn turn = t.turns().get(0);
                answers.add(new Answer(t.example(), turn.prompt(), t.answerText(), turn.tokens(),
                        turn.finish() == FinishReason.EOS, verifier.verify(t.example(), t.answerText())));
            }
        }
        double acc = answers.stream().filter(a -> a.verification().correct()).count() / (double) Math.max(1, answers.size());
        double len = answers.stream().mapToInt(Answer::tokens).average().orElse(0);
        return new Result(acc, len, answers);
    }
}
