package dev.thinktune.train;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.teacher.Guide;
import dev.thinktune.teacher.Teacher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A whole training run from its config: loads the student, tokenizer, data, reference model and teacher; runs
 * the steps with progress, metrics, checkpoints and exact resume; evaluates on the held-out split before and
 * after; writes the final model and a report.
 */
public final class TrainingRun {
    /** The responses of each step, in the run directory (see {@link SampleLog}). */
    public static final String SAMPLES_FILE = "samples.jsonl";

    /** What the run needs to build a guide for its policy (the teacher may use the initial student). */
    public record GuideContext(TrainConfig config, ModelAssets assets, ModelWeights initialWeights,
                               Set<Integer> stopIds) {
    }

    /** How the run ended. */
    public record Outcome(Path outputDir, TrainerState state, Map<String, Double> before, Map<String, Double> after,
                          Path metricsFile, Path finalModel) {
    }

    private final TrainConfig cfg;
    private final PrintStream log;
    private final Function<GuideContext, Teacher> teacherFactory;
    private final List<StepListener> extraListeners = new ArrayList<>();
    private final List<Function<StudentModel, StepListener>> graphListeners = new ArrayList<>();
    private RewardFunction reward;

    /** A run with the teacher its config names. */
    public TrainingRun(TrainConfig cfg, PrintStream log) {
        this(cfg, log, Guides::teacher);
    }

    /** A run with a teacher of the caller's making (a custom teacher, a test double). */
    public TrainingRun(TrainConfig cfg, PrintStream log, Function<GuideContext, Teacher> teacherFactory) {
        this.cfg = cfg;
        this.log = log;
        this.teacherFactory = teacherFactory;
    }

    /** Replaces the configured reward (the config's {@code reward} section) with a reward of the caller's making. */
    public TrainingRun withReward(RewardFunction custom) {
        this.reward = custom;
        return this;
    }

    /** A listener that needs the policy's graph (with its loss attached), made when the run starts. */
    public void addGraphListener(Function<StudentModel, StepListener> factory) {
        graphListeners.add(factory);
    }

    public void addListener(StepListener l) {
        extraListeners.add(l);
    }

    public Outcome run(boolean resume) {
        RunSetup setup = RunSetup.load(cfg, log);
        Path out = setup.out;
        ModelAssets assets = setup.assets;
        StudentModel policy = StudentModel.of(setup.initial.copy());
        ModelWeights initial = setup.initial;
        Set<Integer> stopIds = setup.stopIds;

        TrainerCheckpoints checkpoints = new TrainerCheckpoints(out, assets.tokenizerFiles(), cfg.training().keepCheckpoints());
        TrainerState state = TrainerState.start(cfg.seed());
        Optional<Path> latest = resume ? checkpoints.latest() : Optional.empty();
        if (resume && latest.isEmpty()) {
            log.println("no checkpoint under " + checkpoints.root() + "; starting from step 0");
        }
        int maxSeq = Math.min(policy.config().maxPositions(), cfg.data().maxPromptTokens() + Math.max(
                cfg.rollout().maxNewTokens() + cfg.guidance().teacher().maxNewTokens(), cfg.eval().maxNewTokens()) + 8);
        RolloutEngine.Options opts = RolloutEngine.Options.defaults().withMaxSequenceLength(maxSeq);
        Teacher teacher = null;
        List<AutoCloseable> closeables = new ArrayList<>();
        try (RolloutEngine engine = RolloutEngine.create(policy.weights(), opts);
             RolloutEngine reference = cfg.objective().beta() > 0 ? RolloutEngine.create(initial, opts) : null) {
            GuideContext ctx = new GuideContext(cfg, assets, initial, stopIds);
            teacher = cfg.usesGuidance() ? teacherFactory.apply(ctx) : null;
            Guide guide = teacher == null ? Guide.NONE : Guides.fromConfig(ctx, teacher);
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(policy,
                    new EngineSampler(engine), reference, guide, reward != null ? reward : RewardFunction.from(cfg.reward()),
                    assets.prompts(), stopIds, setup.train));
            if (latest.isPresent()) {
                state = restore(latest.get(), policy, trainer);
                engine.refreshWeights();
                log.printf("resumed from %s (step %d)%n", latest.get(), state.step());
            }
            Path metricsFile = out.resolve("metrics.csv");
            Map<String, Double> before = state.step() == 0 ? setup.evaluate(engine, "before")
                    : setup.savedEvaluation("before");
            Path samplesFile = out.resolve(SAMPLES_FILE);
            try (MetricsLog metrics = new MetricsLog(metricsFile); SampleLog samples = new SampleLog(samplesFile)) {
                if (state.step() > 0) {
                    metrics.truncateAfter(state.step());
                    samples.truncateAfter(state.step());
                } else {
                    Files.deleteIfExists(metricsFile);
                    Files.deleteIfExists(samplesFile);
                }
                trainer.addSampleListener(samples::append);
                extraListeners.forEach(trainer::addListener);
                for (Function<StudentModel, StepListener> f : graphListeners) {
                    StepListener l = f.apply(policy);
                    trainer.addListener(l);
                    if (l instanceof AutoCloseable c) {
                        closeables.add(c);
                    }
                }
                ProgressBar bar = new ProgressBar(log, cfg.mode().id(), cfg.training().steps(), state.step());
                for (int step = state.step() + 1; step <= cfg.training().steps(); step++) {
                    ThinkTuningTrainer.StepResult r = trainer.step(step, state);
                    state = r.state();
                    if (cfg.training().evalEvery() > 0 && step % cfg.training().evalEvery() == 0
                            && step < cfg.training().steps()) {
                        setup.evaluate(engine, "step-" + step).forEach((k, v) -> r.metrics().put("eval/" + k, v));
                    }
                    metrics.append(r.metrics());
                    bar.update(step, status(r.metrics()));
                    boolean last = step == cfg.training().steps();
                    if (last || (cfg.training().checkpointEvery() > 0 && step % cfg.training().checkpointEvery() == 0)) {
                        checkpoints.save(policy.weights(), trainer.updater().optimizer(), state, cfg);
                    }
                }
            }
            Map<String, Double> after = setup.evaluate(engine, "after");
            Path finalModel = setup.saveFinal(policy.weights());
            return new Outcome(out, state, before, after, metricsFile, finalModel);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (teacher != null) {
                teacher.close();
            }
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.println("warning: " + e.getMessage());
                }
            }
        }
    }

    private TrainerState restore(Path checkpoint, StudentModel policy, ThinkTuningTrainer trainer) {
        ModelWeights saved = HfCheckpoint.load(checkpoint);
        policy.weights().assign(saved);
        trainer.updater().optimizer().load(checkpoint.resolve(TrainerCheckpoints.OPTIMIZER));
        TrainerState s = TrainerState.read(checkpoint.resolve(TrainerCheckpoints.STATE));
        if (s.seed() != cfg.seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was made with seed " + s.seed()
                    + ", this run's seed is " + cfg.seed());
        }
        trainer.restore(s);
        return s;
    }

    private static String status(Map<String, Double> m) {
        return String.format(Locale.ROOT, "reward %.3f acc %.3f kl %.4f guided %.2f", m.getOrDefault("reward/mean", 0.0),
                m.getOrDefault("accuracy", 0.0), m.getOrDefault("kl", 0.0), m.getOrDefault("guided_fraction", 0.0));
    }
}
