package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.reward.Verification;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers questions with a generator and verifies the final answers: the accuracy of a model on a split,
 * batched through the generator.
 */
public final class AccuracyEvaluator {
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

    /** {@code samples} answers per question with {@code params} (its seed offset per question). */
    public Result evaluate(List<Example> examples, SamplingParams params, int samples) {
        Tokenizer tok = prompts.tokenizer();
        List<Answer> answers = new ArrayList<>();
        for (int start = 0; start < examples.size(); start += batchSize) {
            List<Example> chunk = examples.subList(start, Math.min(examples.size(), start + batchSize));
            List<GenerationRequest> reqs = new ArrayList<>();
            List<PromptEncoder.Prompt> ps = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                PromptEncoder.Prompt p = prompts.encode(chunk.get(i));
                ps.add(p);
                reqs.add(new GenerationRequest(p.ids(), samples, params.withSeed(params.seed() + 7919L * (start + i))));
            }
            List<List<Completion>> out = generator.generate(reqs);
            for (int i = 0; i < chunk.size(); i++) {
                for (Completion c : out.get(i)) {
                    String text = tok.decode(c.tokenIds(), true);
                    answers.add(new Answer(chunk.get(i), ps.get(i).text(), text, c.length(), c.endedWithEos(),
                            verifier.verify(chunk.get(i), text)));
                }
            }
        }
        double acc = answers.stream().filter(a -> a.verification().correct()).count() / (double) Math.max(1, answers.size());
        double len = answers.stream().mapToInt(Answer::tokens).average().orElse(0);
        return new Result(acc, len, answers);
    }
}
