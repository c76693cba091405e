package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The STaR baseline ({@code mode: star}; Zelikman et al., 2022). Each of {@code star.iterations} iterations:
 * <ol>
 *   <li>samples {@code star.samples} answers per training question from the current model (the rollout
 *       section's sampling: temperature 1 by default, {@code rollout.max_new_tokens});</li>
 *   <li>keeps, for each question, its first correct answer;</li>
 *   <li>with {@code star.rationalize}, asks each question that got no correct answer once more with the reference
 *       answer as a hint after the question ({@value #HINT}); a correct hinted answer is kept with the prompt
 *       <em>without</em> the hint, as if the model had found it unaided (STaR's rationalisation);</li>
 *   <li>fine-tunes on the kept and rationalised answers, <b>starting again from the original model</b> every
 *       iteration as the STaR paper does (Algorithm 1: each iteration trains the original model on that
 *       iteration's data, to avoid over-fitting), with a fresh optimizer: {@code star.epochs} passes,
 *       {@code star.batch_size} sequences per update. The next iteration samples from this fine-tuned model.</li>
 * </ol>
 * An answer is correct when it states the reference answer explicitly (the strict verifier: a boxed answer, a
 * {@code ####} line or "the answer is ..."), so the fine-tuning data also teaches the answer format. An answer
 * that ran out of tokens keeps what it wrote and gets the end-of-turn id appended. An iteration with nothing kept
 * leaves the model as the original. {@code training.steps} is not used.
 *
 * <p>Writes what {@link TrainingRun} writes: {@code train_config.yaml}, {@code metrics.csv} (one row per
 * iteration: step (the iteration), questions, samples, correct_samples, kept, failed, rationalized,
 * train_samples, updates, loss, grad_norm, lr), {@code eval_before.json}, {@code eval_after.json} and
 * {@code final/} (the last iteration's model).
 */
public final class StarRun {
    /** The hint after a question in rationalisation; {@code {answer}} is the reference answer. */
    public static final String HINT = "Hint: the correct answer is {answer}. Explain step by step how to reach it.";
    /** Questions per batched generate call. */
    static final int GENERATE_BATCH = 64;

    /** One iteration's counts. */
    public record Iteration(int iteration, int questions, int samples, int correctSamples, int kept, int failed,
                            int rationalized, int trainSamples, int updates, double loss) {
    }

    /** How the run ended. */
    public record Outcome(Path outputDir, Map<String, Double> before, Map<String, Double> after, Path metricsFile,
                          Path finalModel, List<Iteration> iterations) implements RunOutcome {
    }

    private final TrainConfig cfg;
    private final PrintStream log;
    private final Function<RolloutEngine, Generator> generatorFactory;

    /** A run that samples from the current model through the rollout engine. */
    public StarRun(TrainConfig cfg, PrintStream log) {
        this(cfg, log, engine -> engine);
    }

    /**
     * A run that samples (answers and rationalisations) through the generator {@code generatorFactory} makes of
     * the engine that holds the current model (a test double, a served model); held-out evaluation always uses
     * the engine.
     */
    public StarRun(TrainConfig cfg, PrintStream log, Function<RolloutEngine, Generator> generatorFactory) {
        if (cfg.mode() != TrainConfig.Mode.STAR) {
            throw new IllegalArgumentException("StarRun runs mode star, not " + cfg.mode().id());
        }
        this.cfg = cfg;
        this.log = log;
        this.generatorFactory = generatorFactory;
    }

    /** The user message that asks {@code example} with its reference answer as a hint. */
    public static String hinted(PromptEncoder prompts, Example example) {
        return prompts.formatter().render(example) + "\n\n" + HINT.replace("{answer}", example.answer());
    }

    public Outcome run() {
        RunSetup setup = RunSetup.load(cfg, log);
        ModelWeights original = setup.initial;
        // with adapters each iteration trains fresh ones on the frozen original; the decoder samples with a copy of
        // the newest, which is also what final/ holds (B = 0 at first and after an iteration without data: the
        // original itself)
        LoraAdapters sampling = setup.adapters;
        Path metricsFile = setup.out.resolve("metrics.csv");
        List<Iteration> iterations = new ArrayList<>();
        try (RolloutEngine engine = sampling != null
                ? RolloutEngine.create(setup.modelDir, sampling, RolloutEngine.Options.defaults())
                : RolloutEngine.create(original.copy());
             MetricsLog metrics = new MetricsLog(metricsFile)) {
            Files.deleteIfExists(metricsFile);
            Generator sampler = generatorFactory.apply(engine);
            Map<String, Double> before = setup.heldOut.evaluate(engine, "before");
            ModelWeights currentWeights = original;
            for (int it = 1; it <= cfg.star().iterations(); it++) {
                long t0 = System.nanoTime();
                Collected c = collect(setup, sampler, it);
                List<SupervisedSample> data = setup.fitting(c.samples, "STaR sequences");
                int updates = 0;
                RunSetup.FineTune ft = null;
                if (data.isEmpty()) {
                    log.printf("iteration %d: nothing to fine-tune on; the model stays the original%n", it);
                    currentWeights = original;
                    if (sampling != null) {
                        sampling.tensors().forEach((name, a) -> {
                            if (name.endsWith(LoraAdapters.B)) {
                                a.assign(0);
                            }
                        });
                    }
                } else {
                    StudentModel student = sampling != null ? StudentModel.of(original, LoraAdapters.initialize(
                            cfg.model().lora(), original.config(), Seeds.of(cfg.seed(), it, Seeds.ADAPTERS)))
                            : StudentModel.of(original.copy());
                    ft = setup.fineTune(student, data, it, "star " + it + "/" + cfg.star().iterations(), (e, s) -> { });
                    updates = ft.updates();
                    currentWeights = student.weights();
                    if (sampling != null) {
                        sampling.tensors().forEach((name, a) -> a.assign(student.adapters().tensors().get(name)));
                    }
                }
                if (sampling != null) {
                    engine.refreshWeights();
                } else {
                    engine.syncFrom(currentWeights);
                }
                Iteration row = new Iteration(it, setup.train.size(), c.sampled, c.correctSamples, c.kept, c.failed,
                        c.rationalized, data.size(), updates, ft == null ? Double.NaN : ft.meanLoss());
                iterations.add(row);
                log.printf(Locale.ROOT, "iteration %d: kept %d/%d questions (%d/%d samples correct), rationalised %d/%d"
                                + " failures, fine-tuned on %d sequences (%d updates, loss %.4f) in %.1f s%n", it, c.kept,
                        setup.train.size(), c.correctSamples, c.sampled, c.rationalized, c.failed, data.size(), updates,
                        row.loss(), (System.nanoTime() - t0) / 1e9);
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("step", (double) it);
                m.put("questions", (double) row.questions());
                m.put("samples", (double) row.samples());
                m.put("correct_samples", (double) row.correctSamples());
                m.put("kept", (double) row.kept());
                m.put("failed", (double) row.failed());
                m.put("rationalized", (double) row.rationalized());
                m.put("train_samples", (double) row.trainSamples());
                m.put("updates", (double) row.updates());
                m.put("loss", row.loss());
                m.put("grad_norm", ft == null ? Double.NaN : ft.lastGradNorm());
                m.put("lr", ft == null ? Double.NaN : ft.lastLr());
                metrics.append(m);
            }
            Map<String, Double> after = setup.heldOut.evaluate(engine, "after");
            Path finalModel = setup.saveFinal(currentWeights, sampling);
            return new Outcome(setup.out, before, after, metricsFile, finalModel, List.copyOf(iterations));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One iteration's fine-tuning data (prompts without hints) and counts. */
    record Collected(List<SupervisedSample> samples, int sampled, int correctSamples, int kept, int failed,
                             int rationalized) {
    }

    Collected collect(RunSetup setup, Generator sampler, int iteration) {
        PromptEncoder prompts = setup.assets.prompts();
        Verifier verifier = Verifier.strict();
        List<Example> train = setup.train;
        List<int[]> plain = new ArrayList<>();
        for (Example e : train) {
            plain.add(prompts.encode(e).ids());
        }
        List<List<Completion>> answers = generate(setup, sampler, plain, cfg.star().samples(),
                Seeds.of(cfg.seed(), iteration, Seeds.ROLLOUT));
        List<SupervisedSample> data = new ArrayList<>();
        List<Integer> failed = new ArrayList<>();
        int sampled = 0;
        int correct = 0;
        int kept = 0;
        for (int q = 0; q < train.size(); q++) {
            Optional<Completion> first = Optional.empty();
            for (Completion c : answers.get(q)) {
                sampled++;
                if (verifier.verify(train.get(q), text(setup, c)).correct()) {
                    correct++;
                    if (first.isEmpty()) {
                        first = Optional.of(c);
                    }
                }
            }
            if (first.isPresent()) {
                kept++;
                data.add(sample(plain.get(q), first.get(), prompts));
            } else {
                failed.add(q);
            }
        }
        int rationalized = 0;
        if (cfg.star().rationalize() && !failed.isEmpty()) {
            List<int[]> hintedPrompts = new ArrayList<>();
            for (int q : failed) {
                hintedPrompts.add(prompts.encode(hinted(prompts, train.get(q))).ids());
            }
            List<List<Completion>> retries = generate(setup, sampler, hintedPrompts, 1,
                    Seeds.of(cfg.seed(), iteration, Seeds.GUIDE));
            for (int j = 0; j < failed.size(); j++) {
                int q = failed.get(j);
                Completion c = retries.get(j).get(0);
                if (verifier.verify(train.get(q), text(setup, c)).correct()) {
                    rationalized++;
                    data.add(sample(plain.get(q), c, prompts));
                }
            }
        }
        return new Collected(data, sampled, correct, kept, failed.size(), rationalized);
    }

    private static String text(RunSetup setup, Completion c) {
        return setup.assets.tokenizer().decode(c.tokenIds(), true);
    }

    /** The prompt (without any hint) and the answer, ending with the end-of-turn id. */
    private static SupervisedSample sample(int[] prompt, Completion answer, PromptEncoder prompts) {
        int[] response = answer.endedWithEos() ? answer.tokenIds()
                : append(answer.tokenIds(), prompts.endOfTurnId());
        int[] ids = Arrays.copyOf(prompt, prompt.length + response.length);
        System.arraycopy(response, 0, ids, prompt.length, response.length);
        return new SupervisedSample(ids, prompt.length);
    }

    private static int[] append(int[] ids, int id) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }

    /**
     * {@code n} samples per prompt, {@value #GENERATE_BATCH} prompts per call; prompt i samples with seed
     * {@code seed + 7919 i}. A prompt's token limit is shortened to fit the model's positions; one with no room
     * left gets empty answers.
     */
    private List<List<Completion>> generate(RunSetup setup, Generator sampler, List<int[]> prompts, int n,
                                            long seed) {
        TrainConfig.RolloutSection r = cfg.rollout();
        int maxPositions = setup.initial.config().maxPositions();
        List<List<Completion>> out = new ArrayList<>();
        for (int start = 0; start < prompts.size(); start += GENERATE_BATCH) {
            List<GenerationRequest> requests = new ArrayList<>();
            List<Integer> asked = new ArrayList<>();
            int end = Math.min(prompts.size(), start + GENERATE_BATCH);
            List<List<Completion>> chunk = new ArrayList<>();
            for (int i = start; i < end; i++) {
                int[] prompt = prompts.get(i);
                int room = Math.min(r.maxNewTokens(), maxPositions - prompt.length);
                if (room <= 0) {
                    chunk.add(Collections.nCopies(n, new Completion(new int[0], new float[0],
                            FinishReason.LENGTH, prompt.length)));
                    continue;
                }
                chunk.add(null);
                asked.add(i - start);
                requests.add(new GenerationRequest(prompt, n, new SamplingParams(r.temperature(), r.topP(), r.topK(),
                        0.0, room, setup.stopIds, List.of(), seed + 7919L * i)));
            }
            List<List<Completion>> got = requests.isEmpty() ? List.of() : sampler.generate(requests);
            for (int j = 0; j < asked.size(); j++) {
                chunk.set(asked.get(j), got.get(j));
            }
            out.addAll(chunk);
        }
        return out;
    }
}
