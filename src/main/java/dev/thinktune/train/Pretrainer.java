package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.data.SolutionFormat;
import dev.thinktune.eval.AccuracyEvaluator;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Supervised training of a student on question/solution pairs: each sample is the chat prompt of a question
 * followed by its worked solution and the end-of-turn id, with the loss on the solution only. Reports the
 * held-out accuracy (greedy) after each epoch.
 */
public final class Pretrainer {
    private final PretrainConfig cfg;
    private final StudentModel model;
    private final PromptEncoder prompts;
    private final PolicySampler sampler;
    private final PrintStream log;

    public Pretrainer(PretrainConfig cfg, StudentModel model, PromptEncoder prompts, PolicySampler sampler,
                      PrintStream log) {
        this.cfg = cfg;
        this.model = model;
        this.prompts = prompts;
        this.sampler = sampler;
        this.log = log;
    }

    /** The training sequence of one example. */
    public static SupervisedSample sample(PromptEncoder prompts, Example e) {
        int[] prompt = prompts.encode(e).ids();
        int[] answer = prompts.tokenizer().encode(SolutionFormat.target(e), false);
        int[] ids = new int[prompt.length + answer.length + 1];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(answer, 0, ids, prompt.length, answer.length);
        ids[ids.length - 1] = prompts.endOfTurnId();
        return new SupervisedSample(ids, prompt.length);
    }

    /**
     * Trains for the configured epochs; {@code afterEpoch} receives each epoch's metrics (and may save).
     * Returns the metrics of the last epoch.
     */
    public Map<String, Double> run(List<Example> train, List<Example> test, Consumer<Map<String, Double>> afterEpoch) {
        List<SupervisedSample> samples = new ArrayList<>();
        int skipped = 0;
        int maxLen = model.config().maxPositions();
        for (Example e : train) {
            SupervisedSample s = sample(prompts, e);
            if (s.ids().length > maxLen) {
                skipped++;
                continue;
            }
            samples.add(s);
        }
        if (skipped > 0) {
            log.printf("skipped %d training examples longer than %d tokens%n", skipped, maxLen);
        }
        SupervisedEpochs epochs = new SupervisedEpochs(cfg.epochs(), cfg.batchSize(), cfg.microBatchSize(), cfg.seed(),
                0, cfg.maxBadSteps(), "max_bad_steps", "pretrain");
        List<Map<String, Double>> last = new ArrayList<>(List.of(Map.of()));
        epochs.run(model, cfg.optimizer(), samples, log, u -> { }, ep -> {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("epoch", (double) ep.epoch());
            m.put("loss", ep.meanLoss());
            m.put("tokens_per_s", ep.tokens() / ep.seconds());
            if (cfg.evalQuestions() > 0 && !test.isEmpty()) {
                m.putAll(evaluate(test));
            }
            log.printf(Locale.ROOT, "epoch %d: %s%n", ep.epoch(), m);
            afterEpoch.accept(m);
            last.set(0, m);
        });
        return last.get(0);
    }

    /** Greedy held-out accuracy on the first {@code eval_questions} of {@code test}. */
    private Map<String, Double> evaluate(List<Example> test) {
        sampler.syncWeights();
        AccuracyEvaluator ev = new AccuracyEvaluator(sampler.generator(), prompts, Verifier.lenient(), 64);
        List<Example> evalSet = test.subList(0, Math.min(test.size(), cfg.evalQuestions()));
        AccuracyEvaluator.Result r = ev.evaluate(evalSet, SamplingParams.greedy(cfg.evalMaxNewTokens(),
                Set.of(prompts.endOfTurnId())), 1);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("eval/accuracy", r.accuracy());
        m.put("eval/length_mean", r.meanTokens());
        return m;
    }
}
