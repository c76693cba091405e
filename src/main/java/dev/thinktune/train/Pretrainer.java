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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
        int updatesPerEpoch = (samples.size() + cfg.batchSize() - 1) / cfg.batchSize();
        SupervisedTrainer trainer = new SupervisedTrainer(model, cfg.optimizer(), updatesPerEpoch * cfg.epochs());
        Map<String, Double> last = Map.of();
        for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
            List<SupervisedSample> order = new ArrayList<>(samples);
            Collections.shuffle(order, new Random(Seeds.of(cfg.seed(), epoch, Seeds.SHUFFLE)));
            ProgressBar bar = new ProgressBar(log, "epoch " + epoch + "/" + cfg.epochs(), updatesPerEpoch);
            double lossSum = 0;
            int n = 0;
            long t0 = System.nanoTime();
            long tokens = 0;
            for (int u = 0; u < updatesPerEpoch; u++) {
                List<SupervisedSample> batch = order.subList(u * cfg.batchSize(),
                        Math.min(order.size(), (u + 1) * cfg.batchSize()));
                SupervisedTrainer.Stats st = trainer.update(batch, cfg.microBatchSize());
                tokens += batch.stream().mapToInt(s -> s.ids().length).sum();
                if (!st.skipped()) {
                    lossSum += st.loss();
                    n++;
                }
                if (u % 10 == 9 || u == updatesPerEpoch - 1) {
                    bar.update(u + 1, String.format(java.util.Locale.ROOT, "loss %.4f lr %.2e", st.loss(), st.lr()));
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("epoch", (double) epoch);
            m.put("loss", n == 0 ? Double.NaN : lossSum / n);
            m.put("tokens_per_s", tokens / secs);
            if (cfg.evalQuestions() > 0 && !test.isEmpty()) {
                sampler.syncWeights();
                AccuracyEvaluator ev = new AccuracyEvaluator(sampler.generator(), prompts, Verifier.lenient(), 64);
                List<Example> evalSet = test.subList(0, Math.min(test.size(), cfg.evalQuestions()));
                AccuracyEvaluator.Result r = ev.evaluate(evalSet, SamplingParams.greedy(cfg.evalMaxNewTokens(),
                        java.util.Set.of(prompts.endOfTurnId())), 1);
                m.put("eval/accuracy", r.accuracy());
                m.put("eval/length_mean", r.meanTokens());
            }
            log.printf(java.util.Locale.ROOT, "epoch %d: %s%n", epoch, m);
            afterEpoch.accept(m);
            last = m;
        }
        return last;
    }
}
