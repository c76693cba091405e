package dev.thinktune.bench;

import dev.thinktune.data.Example;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LayerActivations;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.OffHeapMemory;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.RewardInput;
import dev.thinktune.reward.RewardTerm;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.SequenceScorer;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.teacher.Guide;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.MemoryPlan;
import dev.thinktune.train.EngineSampler;
import dev.thinktune.train.ModelAssets;
import dev.thinktune.train.ThinkTuningTrainer;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainerState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One ThinkTuning training step of a benchmark-sized student on random weights, split into its phases: rollout
 * (n answers of exactly {@code newTokens} tokens per question), teacher (a guide appending a fixed continuation
 * to one answer per group), reward, old-policy log-probs (and the reference model's, with beta > 0), update.
 */
public final class TrainBench {
    public static final String NAME = "train";

    /**
     * @param questions     questions per step
     * @param n             answers per question
     * @param newTokens     tokens per answer (no early stop)
     * @param teacherTokens tokens the guide appends to one answer per group
     * @param microBatch    sequences per forward/backward pass of the update ({@code training.micro_batch_size})
     * @param steps         measured steps (after one warm-up step)
     * @param tokenizer     tokenizer for prompts (its ids must fit the model's vocabulary)
     * @param loraR         rank of low-rank adapters on all seven projections of every layer, trained instead of the
     *                      weights (alpha = 2r); 0 = full fine-tuning. With adapters the random model is written as a
     *                      bfloat16 checkpoint in a temporary directory first and loaded as a run loads it: the
     *                      graph's frozen float32 weights, and one decoder reading the checkpoint as stored that is
     *                      also the reference
     * @param activations   the layers' activations kept for the backward pass or recomputed in it
     *                      ({@code training.recompute_layers})
     */
    public record Settings(int questions, int n, int newTokens, int teacherTokens, int microBatch, int steps,
                           Path tokenizer, int loraR, LayerActivations activations) {
        public Settings(int questions, int n, int newTokens, int teacherTokens, int microBatch, int steps,
                        Path tokenizer) {
            this(questions, n, newTokens, teacherTokens, microBatch, steps, tokenizer, 0, LayerActivations.KEPT);
        }

        /** The same with {@code m} sequences per forward/backward pass. */
        Settings withMicroBatch(int m) {
            return new Settings(questions, n, newTokens, teacherTokens, m, steps, tokenizer, loraR, activations);
        }

        public Settings {
            if (activations == null) {
                activations = LayerActivations.KEPT;
            }
            if (loraR < 0) {
                throw new IllegalArgumentException("the adapters' rank must be >= 0 (0: full fine-tuning), got " + loraR);
            }
            if (questions < 1 || n < 1 || newTokens < 1 || teacherTokens < 0 || microBatch < 1 || steps < 1) {
                throw new IllegalArgumentException("need questions, n, new tokens, micro-batch and steps >= 1 and "
                        + "teacher tokens >= 0; got questions " + questions + ", n " + n + ", new tokens " + newTokens
                        + ", teacher tokens " + teacherTokens + ", micro-batch " + microBatch + ", steps " + steps);
            }
        }

        public static Settings defaults(Path tokenizer) {
            return new Settings(8, 8, 64, 32, 16, 2, tokenizer);
        }
    }

    /** Steps compared at each end of the run for {@code rss_flat}: the first and last ten (halves of a shorter run). */
    static final int FLAT_WINDOW = 10;
    /** How much the later steps' resident memory may exceed the earlier ones' and still count as flat. */
    static final double FLAT_TOLERANCE = 0.05;

    /**
     * What the step holds, as for a run (see {@link #student}): the student's weights, the update's gradients and
     * AdamW, a micro-batch's activations over prompt, answer and teacher tokens, the policy's float32 decoder with
     * the key/value cache of every answer of a step, and the reference decoder over the bfloat16 checkpoint.
     */
    public static MemoryPlan plan(BenchSize size, Settings s, int promptTokens) {
        int answer = s.newTokens() + s.teacherTokens();
        int seq = (promptTokens + answer + 15) / 16 * 16;
        MemoryPlan.Shape shape = new MemoryPlan.Shape(1, s.microBatch(), seq, true, 1, 2, s.questions() * s.n(),
                promptTokens + s.newTokens(), true);
        if (s.loraR() > 0) {
            shape = new MemoryPlan.Shape(1, s.microBatch(), seq, true, 1, 2, s.questions() * s.n(),
                    promptTokens + s.newTokens(), true, LoraAdapters.parameterCount(lora(s), size.config()));
        }
        shape = shape.with(s.activations());
        return MemoryPlan.training(String.format(Locale.ROOT, "a ThinkTuning step of %s (%d questions x %d answers "
                                + "of %d tokens, teacher %d more, micro-batch %d%s)", size.label(), s.questions(), s.n(),
                        s.newTokens(), s.teacherTokens(), s.microBatch(),
                        (s.loraR() > 0 ? ", adapters r = " + s.loraR() : "")
                                + (s.activations() == LayerActivations.RECOMPUTED ? ", layers recomputed" : "")),
                size.config(), shape);
    }

    private TrainBench() {
    }

    /** The adapters of {@code s}: rank r, alpha 2r, all seven projections. */
    static LoraConfig lora(Settings s) {
        return new LoraConfig(s.loraR(), 2.0 * s.loraR(), 0.0, LoraConfig.MODULES);
    }

    /** The student of a bench: random weights and the decoders that sample and score for it. */
    private record Student(StudentModel model, RolloutEngine engine, RolloutEngine separateReference,
                           ScratchDirectory dir) implements AutoCloseable {
        SequenceScorer reference() {
            return separateReference != null ? separateReference : engine.baseScorer();
        }

        @Override
        public void close() {
            engine.close();
            if (separateReference != null) {
                separateReference.close();
            }
            dir.close();
        }
    }

    /**
     * The random model written as a bfloat16 checkpoint in a temporary directory and loaded as a run loads it
     * ({@link dev.thinktune.train.PolicyEngines}): for full fine-tuning, float32 weights trained in place, a decoder
     * over them and the reference decoder over the checkpoint as stored; with adapters, the graph's frozen weights
     * and one decoder over the checkpoint that is also the reference.
     */
    private static Student student(BenchSize size, Settings s) throws IOException {
        ScratchDirectory scratch = ScratchDirectory.create("thinktune-bench-train-");
        Path dir = scratch.path();
        try {
            RandomCheckpoint.write(size.config(), dir, 5, RandomCheckpoint.HUB_SHARD_BYTES, m -> { });
            RolloutEngine.Options opts = RolloutEngine.Options.defaults();
            if (s.loraR() == 0) {
                ModelWeights w = HfCheckpoint.load(dir);
                RolloutEngine engine = RolloutEngine.create(w, opts);
                try {
                    return new Student(StudentModel.of(w, null, s.activations()), engine, RolloutEngine.create(dir, opts),
                            scratch);
                } catch (RuntimeException | Error e) {
                    engine.close();
                    throw e;
                }
            }
            ModelWeights w = HfCheckpoint.loadFrozen(dir);
            LoraAdapters adapters = LoraAdapters.initialize(lora(s), size.config(), 5);
            RolloutEngine engine = RolloutEngine.create(dir, adapters, opts);
            return new Student(StudentModel.of(w, adapters, s.activations()), engine, null, scratch);
        } catch (RuntimeException | Error e) {
            scratch.close();
            throw e;
        }
    }

    public static List<BenchResult> run(BenchSize size, Settings s, Consumer<BenchResult> sink) {
        ModelAssets assets = ModelAssets.load(s.tokenizer(), "auto", "", "");
        PromptEncoder prompts = assets.prompts();
        if (assets.tokenizer().vocabSize() > size.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + assets.tokenizer().vocabSize()
                    + " ids, more than the " + size.label() + " model's vocabulary");
        }
        List<Example> qs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            qs.add(new Example("q" + i, "Tom has " + (3 + i) + " apples and buys " + (i % 9 + 2)
                    + " more. How many apples does Tom have now?", "0", "", List.of(), Example.AnswerType.NUMBER));
        }
        int longestPrompt = qs.stream().mapToInt(q -> prompts.encode(q).ids().length).max().orElse(0);
        List<MemoryPlan.Alternative> alts = s.microBatch() > 1 ? List.of(new MemoryPlan.Alternative(
                "--micro-batch 1", plan(size, s.withMicroBatch(1), longestPrompt))) : List.of();
        plan(size, s, longestPrompt).requireFits(MemoryPlan.Budget.ofThisProcess(), alts,
                "fewer or shorter answers (--questions, --n, --new-tokens, --teacher-tokens) or a smaller size fit");
        // what an earlier run of this invocation freed goes back to the system first, so the peak is this run's
        OffHeapMemory.endPhase();
        ProcessStats.resetPeakRss();
        long t0 = System.nanoTime();
        TrainConfig cfg = ConfigLoader.load(List.of("mode=thinktune", "guidance.k=1000", "rollout.n=" + s.n(),
                "rollout.max_new_tokens=" + s.newTokens(), "training.questions_per_step=" + s.questions(),
                "training.micro_batch_size=" + s.microBatch(), "objective.beta=0.001", "seed=1"));
        int[] appended = new int[s.teacherTokens()];
        for (int i = 0; i < appended.length; i++) {
            appended[i] = 5 + i % 200;
        }
        Guide guide = (groups, fraction, seed) -> {
            List<RolloutGroup> out = new ArrayList<>();
            for (RolloutGroup g : groups) {
                List<Trajectory> ts = new ArrayList<>(g.trajectories());
                Trajectory t = ts.get(0);
                int[] ids = java.util.Arrays.copyOf(t.responseIds(), t.length() + appended.length);
                System.arraycopy(appended, 0, ids, t.length(), appended.length);
                boolean[] mask = new boolean[ids.length];
                java.util.Arrays.fill(mask, t.length(), ids.length, true);
                ts.set(0, new Trajectory(ids, mask, t.finishReason(), true, "self-critique"));
                out.add(g.withTrajectories(ts));
            }
            return new Guide.Result(out, new Guide.Stats(groups.size(), groups.size(), 0, 0, 0));
        };
        RewardTerm parity = new RewardTerm() {
            @Override
            public String name() {
                return "parity";
            }

            @Override
            public double score(RewardInput in) {
                int sum = 0;
                for (int id : in.completionIds()) {
                    sum += id;
                }
                return sum % 2;
            }
        };
        List<BenchResult> results = new ArrayList<>();
        try (Student student = student(size, s)) {
            // no stop id: every answer is exactly newTokens long
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(student.model(),
                    new EngineSampler(student.engine()), student.reference(), guide,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(parity, 1.0))), prompts,
                    java.util.Set.of(), qs));
            double build = (System.nanoTime() - t0) / 1e9;
            // what building left behind (the checkpoint writer's and reader's buffers) goes back before the steps,
            // whose own peak the rows report (the build's beside it)
            OffHeapMemory.endPhase();
            double buildPeak = ProcessStats.peakRssMb();
            ProcessStats.resetPeakRss();
            TrainerState state = TrainerState.start(1);
            Map<String, Double> sum = new LinkedHashMap<>();
            List<Long> rss = new ArrayList<>();
            List<Long> peaks = new ArrayList<>();
            double stepsPeak = 0;
            for (int step = 1; step <= s.steps() + 1; step++) {
                ThinkTuningTrainer.StepResult r = trainer.step(step, state);
                state = r.state();
                double peak = ProcessStats.peakRssMb();
                stepsPeak = Math.max(stepsPeak, peak);
                if (step > 1) {
                    r.metrics().forEach((k, v) -> sum.merge(k, v / s.steps(), Double::sum));
                    rss.add(Math.round(ProcessStats.rssMb()));
                    peaks.add(Math.round(peak));
                }
                System.err.printf(Locale.ROOT, "bench train %s: step %d/%d (%s), %.1f s, %.0f MB resident, "
                                + "peak %.0f MB, loss %.4g, gradient norm %.4g%n", size.label(), step, s.steps() + 1,
                        step == 1 ? "warm-up" : "measured", r.metrics().get("step_seconds"), ProcessStats.rssMb(),
                        peak, r.metrics().getOrDefault("loss", Double.NaN),
                        r.metrics().getOrDefault("grad_norm", Double.NaN));
                ProcessStats.resetPeakRss(); // each step's own peak
            }
            Map<String, Object> memorySplit = memorySplit();
            int seqs = s.questions() * s.n();
            int promptTokens = qs.subList(0, s.questions()).stream().mapToInt(q -> prompts.encode(q).ids().length).sum()
                    * s.n();
            long generated = (long) seqs * s.newTokens();
            long teacher = (long) s.questions() * s.teacherTokens();
            long sequenceTokens = promptTokens + generated + teacher;
            String[][] phases = {{"rollout", "time/rollout"}, {"teacher", "time/teacher"}, {"reward", "time/reward"},
                    {"logprobs", "time/logprobs"}, {"update", "time/update"}, {"step", "step_seconds"}};
            long[] tokens = {generated, teacher, generated + teacher, 2 * sequenceTokens, sequenceTokens,
                    sequenceTokens};
            for (int i = 0; i < phases.length; i++) {
                double secs = sum.get(phases[i][1]);
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("tokens", tokens[i]);
                extra.put("sequences", seqs);
                extra.put("new_tokens", s.newTokens());
                extra.put("teacher_tokens", s.teacherTokens());
                extra.put("micro_batch", s.microBatch());
                extra.put("steps", s.steps());
                extra.put("build_seconds", build);
                extra.put("build_peak_rss_mb", buildPeak);
                extra.put("lora_r", s.loraR());
                extra.put("recompute_layers", s.activations() == LayerActivations.RECOMPUTED);
                if (phases[i][0].equals("step")) {
                    extra.putAll(flatness("rss_", rss));
                    extra.putAll(flatness("peak_", peaks));
                    extra.putAll(memorySplit);
                }
                BenchResult r = new BenchResult(NAME, size.label(), seqs, phases[i][0], tokens[i] / secs, secs,
                        stepsPeak, extra);
                results.add(r);
                sink.accept(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return results;
    }

    /**
     * Where the memory is after the last step, MiB: the Java heap in use and committed (the decoders' weights are
     * there), the resident memory outside it (ND4J's arrays: the graph's weights, gradients, AdamW, activations;
     * native libraries; what malloc keeps for reuse) and the part of ND4J's arrays SameDiff's session caches hold
     * for reuse.
     */
    private static Map<String, Object> memorySplit() {
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("java_heap_used_mb", (rt.totalMemory() - rt.freeMemory()) >> 20);
        m.put("java_heap_committed_mb", rt.totalMemory() >> 20);
        m.put("outside_java_heap_mb", Math.round(ProcessStats.rssMb()) - (rt.totalMemory() >> 20));
        m.put("session_cache_mb", dev.thinktune.model.SessionArrayCache.cachedBytes() >> 20);
        return m;
    }

    /**
     * Whether a per-step memory reading stayed flat over the measured steps (the resident memory after each step,
     * or each step's own peak; keys start with {@code prefix}): the largest reading of the last
     * {@value #FLAT_WINDOW} steps against the largest of the first {@value #FLAT_WINDOW} (the two halves of a
     * shorter run), flat when within {@link #FLAT_TOLERANCE}; with every step's reading.
     */
    static Map<String, Object> flatness(String prefix, List<Long> rssPerStep) {
        int window = Math.min(FLAT_WINDOW, rssPerStep.size() / 2);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "each_step_mb", List.copyOf(rssPerStep));
        if (window == 0) {
            return m;
        }
        long first = rssPerStep.subList(0, window).stream().mapToLong(Long::longValue).max().orElseThrow();
        long last = rssPerStep.subList(rssPerStep.size() - window, rssPerStep.size()).stream()
                .mapToLong(Long::longValue).max().orElseThrow();
        m.put(prefix + "window_steps", window);
        m.put(prefix + "first_window_mb", first);
        m.put(prefix + "last_window_mb", last);
        m.put(prefix + "flat", last <= first * (1 + FLAT_TOLERANCE));
        return m;
    }
}
