package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.model.StudentModel;
import dev.thinktune.rollout.RolloutEngine;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SFT baseline ({@code mode: sft}): supervised fine-tuning of the student on the training set's reference
 * solutions. Each sequence is the question's chat prompt, its worked solution ending "The answer is \boxed{..}."
 * ({@code SolutionFormat}) and the end-of-turn id, with the loss on the solution ({@link Pretrainer#sample}).
 * {@code star.epochs} passes of {@code star.batch_size} sequences per update ({@code training.micro_batch_size}
 * per forward/backward), the {@code optimizer} section's AdamW and schedule; {@code training.steps} is not used.
 *
 * <p>Writes what {@link TrainingRun} writes: {@code train_config.yaml}, {@code metrics.csv} (one row per update:
 * step, epoch, loss, grad_norm, lr, tokens), {@code eval_before.json} and {@code eval_after.json} (the held-out
 * split, when there is one) and the fine-tuned model in {@code final/}.
 */
public final class SftRun {

    /** How the run ended. */
    public record Outcome(Path outputDir, Map<String, Double> before, Map<String, Double> after, Path metricsFile,
                          Path finalModel, int examples, int updates) implements RunOutcome {
    }

    private final TrainConfig cfg;
    private final PrintStream log;

    public SftRun(TrainConfig cfg, PrintStream log) {
        if (cfg.mode() != TrainConfig.Mode.SFT) {
            throw new IllegalArgumentException("SftRun runs mode sft, not " + cfg.mode().id());
        }
        this.cfg = cfg;
        this.log = log;
    }

    public Outcome run() {
        RunSetup setup = RunSetup.load(cfg, log);
        List<SupervisedSample> samples = new ArrayList<>();
        for (Example e : setup.train) {
            samples.add(Pretrainer.sample(setup.assets.prompts(), e));
        }
        samples = setup.fitting(samples, "training sequences");
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no training sequence fits the model's context");
        }
        StudentModel policy = StudentModel.of(setup.initial, setup.adapters, cfg.training().layerActivations());
        Path metricsFile = setup.out.resolve("metrics.csv");
        try (RolloutEngine engine = policy.adapters() != null
                ? RolloutEngine.create(setup.modelDir, policy.adapters(), RolloutEngine.Options.defaults())
                : RolloutEngine.create(policy.weights());
             MetricsLog metrics = new MetricsLog(metricsFile)) {
            Files.deleteIfExists(metricsFile);
            Map<String, Double> before = setup.heldOut.evaluate(engine, "before");
            log.printf("SFT on %d reference solutions: %d epoch(s), %d per update%n", samples.size(),
                    cfg.star().epochs(), cfg.star().batchSize());
            int[] step = {0};
            RunSetup.FineTune ft = setup.fineTune(policy, samples, 0, "sft", (epoch, st) -> {
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("step", (double) ++step[0]);
                m.put("epoch", (double) epoch);
                m.put("loss", st.skipped() ? Double.NaN : st.loss());
                m.put("grad_norm", st.gradNorm());
                m.put("lr", st.lr());
                m.put("tokens", (double) st.tokens());
                metrics.append(m);
            });
            engine.refreshWeights();
            Map<String, Double> after = setup.heldOut.evaluate(engine, "after");
            Path finalModel = setup.saveFinal(policy.weights(), policy.adapters());
            return new Outcome(setup.out, before, after, metricsFile, finalModel, samples.size(), ft.updates());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
