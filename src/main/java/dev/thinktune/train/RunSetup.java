package dev.thinktune.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.data.Example;
import dev.thinktune.eval.AccuracyEvaluator;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.SamplingParams;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What every training mode (ThinkTuning and GRPO, SFT, STaR) starts from and writes: the student, tokenizer and
 * data of the config, the held-out evaluation before and after, the supervised fine-tuning loop of the
 * baselines, and the output directory's files ({@code train_config.yaml}, {@code eval_before.json},
 * {@code eval_after.json}, {@code final/}).
 */
final class RunSetup {
    final TrainConfig cfg;
    final PrintStream log;
    final Path out;
    final ModelAssets assets;
    final ModelWeights initial;
    /** Fresh low-rank adapters when the config trains them ({@code model.lora}), else null. */
    final LoraAdapters adapters;
    /** The initial student's Hugging Face directory ({@code model.path}). */
    final Path modelDir;
    final Set<Integer> stopIds;
    final List<Example> train;
    final List<Example> test;

    private RunSetup(TrainConfig cfg, PrintStream log) {
        this.cfg = cfg;
        this.log = log;
        this.out = Path.of(cfg.outputDir());
        this.modelDir = Path.of(cfg.model().path());
        if (!HfCheckpoint.isCheckpoint(modelDir)) {
            throw new IllegalArgumentException("model.path " + modelDir + " is not a Hugging Face model directory "
                    + "(config.json + model.safetensors)");
        }
        this.assets = assets(cfg, modelDir);
        // refused here, before a weight is read, when the run cannot fit this machine
        MemoryPlan.check(HfCheckpoint.readConfig(modelDir), cfg, MemoryPlan.storedBytes(modelDir),
                MemoryPlan.Budget.ofThisProcess());
        // a model trained through adapters stays frozen: its bfloat16 matrices are kept as they are stored
        this.initial = initialWeights(cfg, modelDir);
        this.adapters = initialAdapters(cfg, initial);
        this.stopIds = assets.prompts().stopIds(initial.config().eosTokenIds());
        this.train = promptable(PretrainRun.read(cfg.data(), Path.of(cfg.data().train()), log));
        List<Example> held = cfg.data().test().isEmpty() || cfg.eval().questions() == 0 ? List.of()
                : PretrainRun.read(cfg.data(), Path.of(cfg.data().test()), log);
        this.test = held.subList(0, Math.min(held.size(), cfg.eval().questions()));
    }

    /** The tokenizer and prompts of {@code cfg}, for the student in {@code modelDir}. */
    static ModelAssets assets(TrainConfig cfg, Path modelDir) {
        return ModelAssets.load(cfg.model().tokenizer().isEmpty() ? modelDir : Path.of(cfg.model().tokenizer()),
                cfg.model().chatTemplate(), cfg.data().instruction(), cfg.model().systemPrompt());
    }

    /** The student's weights as a run starts from them (frozen, as stored, when adapters are trained). */
    static ModelWeights initialWeights(TrainConfig cfg, Path modelDir) {
        return cfg.model().lora() != null ? HfCheckpoint.loadFrozen(modelDir) : HfCheckpoint.load(modelDir);
    }

    /** The run's fresh adapters ({@code model.lora}), or null for full fine-tuning. */
    static LoraAdapters initialAdapters(TrainConfig cfg, ModelWeights initial) {
        return cfg.model().lora() == null ? null
                : LoraAdapters.initialize(cfg.model().lora(), initial.config(), Seeds.of(cfg.seed(), 0, Seeds.ADAPTERS));
    }

    static RunSetup load(TrainConfig cfg, PrintStream log) {
        RunSetup s = new RunSetup(cfg, log);
        try {
            Files.createDirectories(s.out);
            ConfigLoader.write(cfg, s.out.resolve("train_config.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s;
    }

    private List<Example> promptable(List<Example> examples) {
        List<Example> ok = new ArrayList<>();
        for (Example e : examples) {
            if (assets.prompts().encode(e).ids().length <= cfg.data().maxPromptTokens()) {
                ok.add(e);
            }
        }
        if (ok.size() < examples.size()) {
            log.printf("skipped %d questions whose prompt is longer than data.max_prompt_tokens = %d%n",
                    examples.size() - ok.size(), cfg.data().maxPromptTokens());
        }
        if (ok.isEmpty()) {
            throw new IllegalArgumentException("no training question fits data.max_prompt_tokens = "
                    + cfg.data().maxPromptTokens());
        }
        return ok;
    }

    /** The held-out accuracy (as {@link TrainingRun} reports it), written to {@code eval_<when>.json}; empty without a test split. */
    Map<String, Double> evaluate(Generator generator, String when) {
        if (test.isEmpty()) {
            return Map.of();
        }
        SamplingParams p = cfg.eval().temperature() == 0
                ? SamplingParams.greedy(cfg.eval().maxNewTokens(), stopIds)
                : new SamplingParams(cfg.eval().temperature(), 1.0, 0, 0.0, cfg.eval().maxNewTokens(), stopIds,
                List.of(), Seeds.of(cfg.seed(), 0, Seeds.EVAL));
        AccuracyEvaluator.Result r = new AccuracyEvaluator(generator, assets.prompts(), Verifier.lenient(), 64)
                .evaluate(test, p, cfg.eval().samples());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", r.accuracy());
        m.put("length_mean", r.meanTokens());
        m.put("questions", (double) test.size());
        log.printf(Locale.ROOT, "held-out accuracy %s: %.3f on %d questions (mean %.1f tokens; %s)%n", when,
                r.accuracy(), test.size(), r.meanTokens(), AccuracyEvaluator.PROMPT);
        AtomicFiles.writeString(evaluationFile(when), json(m));
        return m;
    }

    /** An evaluation written by {@link #evaluate} (such as "before" of a resumed run), or nothing. */
    Map<String, Double> savedEvaluation(String when) {
        Path file = evaluationFile(when);
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            Map<String, Double> m = new LinkedHashMap<>();
            new ObjectMapper().readTree(file.toFile()).fields()
                    .forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
            return m;
        } catch (IOException e) {
            return Map.of();
        }
    }

    private Path evaluationFile(String when) {
        return out.resolve("eval_" + when + ".json");
    }

    private static String json(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
        return sb.append("}\n").toString();
    }

    /** Writes the trained weights, or the {@code adapters} when not null, as {@code <out>/final}. */
    Path saveFinal(ModelWeights weights, LoraAdapters adapters) {
        Path dir = out.resolve("final");
        new TrainerCheckpoints(out, assets.tokenizerFiles(), 1).saveModel(dir, weights, adapters, cfg.model().path());
        log.println("final model: " + dir);
        return dir;
    }

    /** The sequences that fit the model's context; the others are counted and reported. */
    List<SupervisedSample> fitting(List<SupervisedSample> samples, String what) {
        int max = initial.config().maxPositions();
        List<SupervisedSample> ok = samples.stream().filter(s -> s.ids().length <= max).toList();
        if (ok.size() < samples.size()) {
            log.printf("skipped %d %s longer than the model's %d positions%n", samples.size() - ok.size(), what, max);
        }
        return ok;
    }

    /** What a fine-tuning pass did. */
    record FineTune(int updates, double meanLoss, double lastGradNorm, double lastLr, long tokens) {
    }

    /**
     * {@code star.epochs} passes over {@code samples} in a shuffled order (seeded by the run seed, {@code round}
     * and the epoch), {@code star.batch_size} sequences per update, {@code training.micro_batch_size} per
     * forward/backward; {@code onUpdate} receives each update's epoch and statistics. Stops the run after
     * {@code training.max_bad_steps} consecutive non-finite updates.
     */
    FineTune fineTune(StudentModel model, List<SupervisedSample> samples, int round, String label,
                      BiConsumer<Integer, SupervisedTrainer.Stats> onUpdate) {
        int batch = cfg.star().batchSize();
        int perEpoch = (samples.size() + batch - 1) / batch;
        int epochs = cfg.star().epochs();
        SupervisedTrainer trainer = new SupervisedTrainer(model, cfg.optimizer(), Math.max(1, perEpoch * epochs));
        ProgressBar bar = new ProgressBar(log, label, perEpoch * epochs);
        double lossSum = 0;
        int good = 0;
        int bad = 0;
        int done = 0;
        long tokens = 0;
        SupervisedTrainer.Stats last = null;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            List<SupervisedSample> order = new ArrayList<>(samples);
            Collections.shuffle(order, new Random(Seeds.of(cfg.seed(), (long) round * 1_000_003L + epoch, Seeds.SHUFFLE)));
            for (int u = 0; u < perEpoch; u++) {
                List<SupervisedSample> b = order.subList(u * batch, Math.min(order.size(), (u + 1) * batch));
                last = trainer.update(b, cfg.training().microBatchSize());
                tokens += last.tokens();
                done++;
                if (last.skipped()) {
                    if (++bad >= cfg.training().maxBadSteps()) {
                        throw new TrainingStoppedException("stopped after " + bad + " consecutive updates with a"
                                + " non-finite loss or gradient (training.max_bad_steps)");
                    }
                } else {
                    bad = 0;
                    lossSum += last.loss();
                    good++;
                }
                onUpdate.accept(epoch, last);
                bar.update(done, String.format(Locale.ROOT, "epoch %d loss %.4f lr %.2e", epoch, last.loss(), last.lr()));
            }
        }
        return new FineTune(done, good == 0 ? Double.NaN : lossSum / good,
                last == null ? Double.NaN : last.gradNorm(), last == null ? Double.NaN : last.lr(), tokens);
    }
}
