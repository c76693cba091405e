package dev.thinktune.train;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.HfCheckpoint;
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

    /** Per-step timings, apart from {@code metrics.csv} so that the metrics of a run are a function of its inputs. */
    public static final String TIMINGS_FILE = "timings.csv";

    /**
     * How the run ended.
     *
     * @param interrupted the run stopped on a {@link StopRequest} before its last step (no final evaluation or
     *                    model; {@code checkpoint} holds where it stands)
     * @param checkpoint  the newest checkpoint, or null when none was written
     */
    public record Outcome(Path outputDir, TrainerState state, Map<String, Double> before, Map<String, Double> after,
                          Path metricsFile, Path finalModel, boolean interrupted, Path checkpoint) implements RunOutcome {
        public Path samplesFile() {
            return outputDir.resolve(SAMPLES_FILE);
        }
    }

    private final TrainConfig cfg;
    private final PrintStream log;
    private final Function<GuideContext, Teacher> teacherFactory;
    private final List<StepListener> extraListeners = new ArrayList<>();
    private final List<Function<StudentModel, StepListener>> graphListeners = new ArrayList<>();
    private RewardFunction reward;
    private StopRequest stop = new StopRequest();
    private String resumeCommand;

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

    /** Stops the run at the end of a step when {@code request} is set (Ctrl-C through {@link ConsoleInterrupt}). */
    public TrainingRun withStopRequest(StopRequest request) {
        this.stop = request;
        return this;
    }

    /** The command that resumes this run, printed when it stops early (default: a description of it). */
    public TrainingRun withResumeCommand(String command) {
        this.resumeCommand = command;
        return this;
    }

    /** A fresh run ({@code resume} false: the output directory must be empty) or a resumed one. */
    public Outcome run(boolean resume) {
        return run(resume ? RunFolder.Start.RESUME : RunFolder.Start.FRESH);
    }

    public Outcome run(RunFolder.Start start) {
        RunFolder folder = new RunFolder(Path.of(cfg.outputDir()));
        int staging = folder.prepare(start);
        if (staging > 0) {
            log.printf("removed %d unfinished checkpoint staging %s under %s%n", staging,
                    staging == 1 ? "directory" : "directories", folder.dir());
        }
        boolean resume = start == RunFolder.Start.RESUME;
        RunSetup setup = RunSetup.load(cfg, log);
        Path out = setup.out;
        ModelAssets assets = setup.assets;
        // the policy trains the loaded weights (or its adapters) in place; the frozen initial student (the KL
        // reference, a local teacher) is read again from model.path in its stored dtype, so no float32 copy of it
        // is kept
        StudentModel policy = StudentModel.of(setup.initial, setup.adapters, cfg.training().layerActivations());
        Set<Integer> stopIds = setup.stopIds;

        TrainerCheckpoints checkpoints = new TrainerCheckpoints(out, assets.tokenizerFiles(), cfg.training().keepCheckpoints());
        TrainerState state = TrainerState.start(cfg.seed());
        Optional<Path> latest = resume ? checkpoints.latest() : Optional.empty();
        if (resume && latest.isEmpty()) {
            log.println("no checkpoint under " + checkpoints.root() + "; starting from step 0");
        }
        Teacher teacher = null;
        List<AutoCloseable> closeables = new ArrayList<>();
        boolean scaledOut = cfg.distributed().spark() != null;
        if (scaledOut) {
            DistributedSteps.requireSupported(cfg);
            if (reward != null) {
                throw new IllegalArgumentException("a reward of the caller's making is not shipped to Spark executors;"
                        + " configure it in the config's reward section, or train without distributed.spark");
            }
        }
        // with adapters the decoder reads the frozen base as stored and is also the reference, adapters off
        try (PolicyEngines engines = PolicyEngines.open(cfg, policy, setup.modelDir, !scaledOut);
             DistributedSteps distributed = scaledOut ? DistributedSteps.open(cfg, policy, teacherFactory, log) : null) {
            RolloutEngine engine = engines.engine();
            String blas = System.getenv("OPENBLAS_CORETYPE");
            log.printf("threads: %d, OpenBLAS kernels: %s (a run is a function of its config, seed, thread count and "
                    + "kernels)%n", engine.threads(), blas == null || blas.isBlank() ? "OpenBLAS's choice" : blas);
            GuideContext ctx = new GuideContext(cfg, assets, setup.modelDir, stopIds);
            // scaled out, the executors sample, guide and score; this process applies the updates and evaluates
            teacher = cfg.usesGuidance() && !scaledOut ? teacherFactory.apply(ctx) : null;
            Guide guide = teacher == null ? Guide.NONE : Guides.fromConfig(ctx, teacher);
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(policy,
                    new EngineSampler(engine), engines.reference(), guide,
                    reward != null ? reward : RewardFunction.from(cfg.reward()), assets.prompts(), stopIds,
                    setup.train), distributed);
            if (latest.isPresent()) {
                state = restore(latest.get(), policy, trainer);
                engine.refreshWeights();
                log.printf("resumed from %s (step %d)%n", latest.get(), state.step());
            }
            Path metricsFile = out.resolve("metrics.csv");
            Path timingsFile = out.resolve(TIMINGS_FILE);
            Path samplesFile = out.resolve(SAMPLES_FILE);
            if (stop.requested()) {
                return stopped(out, state, Map.of(), metricsFile, latest.orElse(null));
            }
            Map<String, Double> before = state.step() == 0 ? setup.heldOut.evaluate(engine, "before")
                    : setup.heldOut.saved("before");
            Path saved = latest.orElse(null);
            int savedStep = state.step();
            try (MetricsLog metrics = new MetricsLog(metricsFile); MetricsLog timings = new MetricsLog(timingsFile);
                 SampleLog samples = new SampleLog(samplesFile)) {
                if (state.step() > 0) {
                    for (String warning : new String[]{metrics.truncateAfter(state.step()),
                            timings.truncateAfter(state.step()), samples.truncateAfter(state.step())}) {
                        if (warning != null) {
                            log.println("warning: " + warning);
                        }
                    }
                } else {
                    Files.deleteIfExists(metricsFile);
                    Files.deleteIfExists(timingsFile);
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
                    if (stop.requested()) {
                        break;
                    }
                    ThinkTuningTrainer.StepResult r;
                    try {
                        r = trainer.step(step, state);
                    } catch (TrainingStoppedException e) {
                        if (e.stepUndone() && state.step() > savedStep) {
                            saved = checkpoints.save(policy, trainer.updater().optimizer(), state, cfg);
                            log.printf("%ncheckpoint of step %d: %s%n", state.step(), saved);
                        }
                        throw e;
                    }
                    state = r.state();
                    if (cfg.training().evalEvery() > 0 && step % cfg.training().evalEvery() == 0
                            && step < cfg.training().steps()) {
                        setup.heldOut.evaluate(engine, "step-" + step).forEach((k, v) -> r.metrics().put("eval/" + k, v));
                    }
                    metrics.append(withoutTimings(r.metrics(), false));
                    timings.append(withoutTimings(r.metrics(), true));
                    reportTeacherFailures(step, r);
                    bar.update(step, status(r.metrics()));
                    boolean last = step == cfg.training().steps();
                    boolean due = cfg.training().checkpointEvery() > 0 && step % cfg.training().checkpointEvery() == 0;
                    if (last || due || stop.requested()) {
                        saved = checkpoints.save(policy, trainer.updater().optimizer(), state, cfg);
                        savedStep = step;
                    }
                }
            }
            if (stop.requested() && state.step() < cfg.training().steps()) {
                return stopped(out, state, before, metricsFile, saved);
            }
            Map<String, Double> after = setup.heldOut.evaluate(engine, "after");
            Path finalModel = setup.saveFinal(policy.weights(), policy.adapters());
            return new Outcome(out, state, before, after, metricsFile, finalModel, false, saved);
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

    /** A run stopped on request: says where it stands and how to go on. */
    private Outcome stopped(Path out, TrainerState state, Map<String, Double> before, Path metricsFile,
                            Path checkpoint) {
        if (checkpoint == null) {
            log.println("stopped before the first step; nothing to save");
        } else {
            log.printf("stopped after step %d of %d; checkpoint: %s%n", state.step(), cfg.training().steps(),
                    checkpoint);
            log.println("resume with: " + (resumeCommand != null ? resumeCommand
                    : "the same command with --resume (output directory " + out + ")"));
        }
        return new Outcome(out, state, before, Map.of(), metricsFile, null, true, checkpoint);
    }

    private static Map<String, Double> withoutTimings(Map<String, Double> m, boolean keepOnlyTimings) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k.equals("step") || MetricsLog.isTiming(k) == keepOnlyTimings) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * One line per step on which teacher replies failed: how many, the first reason, and when every reply failed,
     * how close the run is to {@code guidance.teacher.max_failed_steps}.
     */
    private void reportTeacherFailures(int step, ThinkTuningTrainer.StepResult r) {
        List<Guide.Failure> failures = r.teacherFailures();
        if (failures.isEmpty()) {
            return;
        }
        int asked = (int) Math.round(r.metrics().getOrDefault("teacher/selected", (double) failures.size()));
        int inARow = r.state().failedGuidedSteps();
        int limit = cfg.guidance().teacher().maxFailedSteps();
        String streak = inARow == 0 ? ""
                : String.format(Locale.ROOT, ", no guidance on %d guided %s in a row%s", inARow,
                inARow == 1 ? "step" : "steps", limit > 0 ? " (the run stops at " + limit + ")" : "");
        log.printf(Locale.ROOT, "%nteacher: %d of %d replies failed at step %d%s; first: %s%n", failures.size(), asked,
                step, streak, failures.get(0).describe());
    }

    private TrainerState restore(Path checkpoint, StudentModel policy, ThinkTuningTrainer trainer) {
        if (policy.adapters() != null) {
            LoraAdapters saved = PeftAdapter.read(checkpoint, policy.config());
            policy.adapters().tensors().forEach((name, a) -> a.assign(saved.tensors().get(name)));
        } else {
            policy.weights().assign(HfCheckpoint.load(checkpoint));
        }
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
