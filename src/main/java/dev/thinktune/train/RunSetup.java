package dev.thinktune.train;

import dev.thinktune.model.LayerActivations;

import dev.thinktune.data.Example;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * What every training mode (ThinkTuning and GRPO, SFT, STaR) starts from and writes: the student, tokenizer and
 * data of the config, its held-out evaluation ({@link HeldOutEvaluation}), the baselines' supervised fine-tuning
 * ({@link SupervisedEpochs}), and the output directory's {@code train_config.yaml} and {@code final/}.
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
    /** The held-out accuracy before, during and after training. */
    final HeldOutEvaluation heldOut;

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
        String obstacle = cfg.training().recomputeLayers()
                ? LayerActivations.obstacle(HfCheckpoint.readConfig(modelDir), cfg.model().lora() != null) : null;
        if (obstacle != null) {
            throw new ConfigException("training.recompute_layers: true covers full fine-tuning of Llama-style layers, "
                    + "and " + obstacle);
        }
        // a model trained through adapters stays frozen: its bfloat16 matrices are kept as they are stored
        this.initial = initialWeights(cfg, modelDir);
        this.adapters = initialAdapters(cfg, initial);
        this.stopIds = assets.prompts().stopIds(initial.config().eosTokenIds());
        this.train = promptable(ExampleFiles.read(cfg.data(), Path.of(cfg.data().train()), log));
        List<Example> held = cfg.data().test().isEmpty() || cfg.eval().questions() == 0 ? List.of()
                : ExampleFiles.read(cfg.data(), Path.of(cfg.data().test()), log);
        this.test = held.subList(0, Math.min(held.size(), cfg.eval().questions()));
        this.heldOut = new HeldOutEvaluation(cfg, assets.prompts(), stopIds, test, out, log);
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
        SupervisedEpochs epochs = new SupervisedEpochs(cfg.star().epochs(), cfg.star().batchSize(),
                cfg.training().microBatchSize(), cfg.seed(), round, cfg.training().maxBadSteps(),
                "training.max_bad_steps", label);
        SupervisedEpochs.Result r = epochs.run(model, cfg.optimizer(), samples, log,
                u -> onUpdate.accept(u.epoch(), u.stats()), e -> { });
        return new FineTune(r.updates(), r.meanLoss(), r.last() == null ? Double.NaN : r.last().gradNorm(),
                r.last() == null ? Double.NaN : r.last().lr(), r.targetTokens());
    }
}
