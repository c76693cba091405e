package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SequenceScorer;
import dev.thinktune.teacher.Guide;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Algorithm 1 of ThinkTuning. Per step: sample questions; the student samples n answers each at the rollout
 * temperature; on guided steps the guide has a teacher extend gamma answers per group; rewards are verified;
 * advantages are normalised per group; old-policy (and reference) log-probs are computed on the final
 * sequences ({@link StepPreparation}); then mu passes of mini-batch updates. With k = 0 it is plain GRPO through
 * the same code. Scaled out ({@link DistributedSteps}), the step's questions are prepared and their gradients
 * summed elsewhere and this trainer applies the one update of the step.
 */
public final class ThinkTuningTrainer {
    private final TrainConfig cfg;
    private final Parts parts;
    private final PolicyUpdater updater;
    private final QuestionOrder order;
    private final StepPreparation preparation;
    private final DistributedSteps distributed;
    private final List<StepListener> listeners = new ArrayList<>();
    private final List<Consumer<List<SampleRecord>>> sampleListeners = new ArrayList<>();

    /**
     * What the loop works with.
     *
     * @param policy    the student being trained (its graph carries the loss)
     * @param sampler   generation and scoring under the current weights
     * @param reference scores under the frozen initial student, or null when beta = 0
     * @param guide     the step's guidance (Guide.NONE for GRPO)
     * @param reward    the configured reward
     * @param prompts   question to prompt ids
     * @param stopIds   ids that end a response (EOS, end of turn)
     * @param train     training questions
     */
    public record Parts(StudentModel policy, PolicySampler sampler, SequenceScorer reference, Guide guide,
                        RewardFunction reward, PromptEncoder prompts, Set<Integer> stopIds, List<Example> train) {
    }

    public ThinkTuningTrainer(TrainConfig cfg, Parts parts) {
        this(cfg, parts, null);
    }

    /**
     * A trainer whose steps are prepared, and their gradients summed, by {@code distributed} (null: in this
     * process); the update is applied here.
     */
    public ThinkTuningTrainer(TrainConfig cfg, Parts parts, DistributedSteps distributed) {
        if (cfg.objective().beta() > 0 && parts.reference() == null && distributed == null) {
            throw new IllegalArgumentException("objective.beta > 0 needs a reference model");
        }
        if (distributed != null) {
            DistributedSteps.requireSupported(cfg);
        }
        this.cfg = cfg;
        this.parts = parts;
        this.distributed = distributed;
        int perStep = cfg.training().questionsPerStep() * cfg.rollout().n();
        int miniBatch = miniBatchSize();
        int totalUpdates = cfg.training().steps() * cfg.training().mu() * (perStep / miniBatch);
        this.updater = new PolicyUpdater(parts.policy(), cfg.objective(), cfg.optimizer(), totalUpdates);
        this.order = new QuestionOrder(parts.train().size(), cfg.seed());
        this.preparation = new StepPreparation(cfg, parts);
    }

    public void addListener(StepListener l) {
        listeners.add(l);
    }

    /**
     * Receives, each step, the responses of the first {@code training.log_samples} groups (after guidance, with
     * their rewards and advantages); not called when that is 0.
     */
    public void addSampleListener(Consumer<List<SampleRecord>> l) {
        sampleListeners.add(l);
    }

    public PolicyUpdater updater() {
        return updater;
    }

    private int miniBatchSize() {
        int perStep = cfg.training().questionsPerStep() * cfg.rollout().n();
        return cfg.training().miniBatchSize() == 0 ? perStep : cfg.training().miniBatchSize();
    }

    /** Restores the optimizer's step count after a resume (moments are loaded by the caller). */
    public void restore(TrainerState state) {
        updater.restore(state.updates());
    }

    /**
     * A decoder's key/value cache at least this large is handed back as soon as its scoring is done: the
     * policy's after the old-policy log-probabilities (before the reference's cache is filled), the reference's
     * before the update, through which both would wait idle. Smaller ones
     * are kept: allocating them again costs fresh pages (about 3.6 s a GB on the README's machine), which took the
     * quickstart's 40 steps from 67-76 to 76-82 s when every cache was handed back (its caches are a few MB). On the
     * 180M shape with 64 answers of 512 tokens the policy's cache is 0.9 GB and the reference's 0.2 GB, and handing
     * both back lowered the step's peak by 0.95 GiB; handing the policy's back before the reference scores lowered
     * the peak of the log-probability phase again (see the README).
     */
    static final long HANDED_BACK_CACHE_BYTES = 128L << 20;

    static void handBackLargeCache(SequenceScorer scorer) {
        if (scorer != null && scorer.cacheBytes() >= HANDED_BACK_CACHE_BYTES) {
            scorer.releaseCache();
            System.gc(); // the cache's arrays go back now, not when the heap next fills up
        }
    }

    /** Runs one step (1-based) and returns the new state and its metrics. */
    public StepResult step(int step, TrainerState state) {
        long t0 = System.nanoTime();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("step", (double) step);
        List<Example> questions = new ArrayList<>();
        for (int pick : order.forStep(step, cfg.training().questionsPerStep())) {
            questions.add(parts.train().get(pick));
        }
        double fraction = cfg.mode() == TrainConfig.Mode.THINKTUNE ? cfg.guidance().fraction(step) : 0.0;
        return distributed != null ? distributedStep(step, state, questions, fraction, m, t0)
                : localStep(step, state, questions, fraction, m, t0);
    }

    private StepResult localStep(int step, TrainerState state, List<Example> questions, double fraction,
                                 Map<String, Double> m, long t0) {
        // 1-4. rollouts, guidance, rewards and advantages, old-policy and reference log-probs
        StepPreparation.Prepared p = preparation.prepare(step, 0, questions, fraction);
        int failedGuidedSteps = guidanceStreak(step, state.failedGuidedSteps(), p.guideStats(), p.failures());
        logSamples(p.sampleRecords());
        // the policy's cache went back before the reference scored (StepPreparation)
        handBackLargeCache(parts.reference());
        long tPrepared = System.nanoTime();

        // 5. mu passes of mini-batch updates
        double advMin = cfg.objective().advMin(), advMax = cfg.objective().advMax();
        if (cfg.objective().advRange() == ObjectiveConfig.AdvantageRange.BATCH) {
            advMin = java.util.Arrays.stream(p.advantages()).min().orElse(-1);
            advMax = java.util.Arrays.stream(p.advantages()).max().orElse(1);
            if (advMax - advMin < 1e-6) {
                advMin -= 1;
                advMax += 1;
            }
        }
        List<UpdateStats> updates = new ArrayList<>();
        BadUpdates bad = new BadUpdates(state.consecutiveBad(), state.totalBad());
        int mb = miniBatchSize();
        for (int pass = 0; pass < cfg.training().mu(); pass++) {
            List<TrainingSample> shuffled = new ArrayList<>(p.samples());
            Collections.shuffle(shuffled, new Random(Seeds.of(cfg.seed(), step, Seeds.SHUFFLE) + pass));
            for (int s = 0; s < shuffled.size(); s += mb) {
                UpdateStats u = updater.update(shuffled.subList(s, Math.min(shuffled.size(), s + mb)),
                        cfg.training().microBatchSize(), advMin, advMax);
                updates.add(u);
                bad.count(step, u);
            }
        }
        parts.sampler().syncWeights();
        updater.handBackLargeState(); // the rollout and the scoring come next: large update-only state goes back
        long tUpdate = System.nanoTime();
        long trainTokens = p.samples().stream().mapToLong(sm -> sm.ids().length).sum() * cfg.training().mu();
        double[] seconds = {p.rolloutSeconds(), p.teacherSeconds(), p.rewardSeconds(), p.logprobSeconds(),
                (tUpdate - tPrepared) / 1e9};
        return finish(step, state, m, p.outcomes(), updates, p.guideStats(), fraction, bad, failedGuidedSteps,
                p.failures(), (tUpdate - t0) / 1e9, seconds, p.rolloutTokens(), trainTokens);
    }

    private StepResult distributedStep(int step, TrainerState state, List<Example> questions, double fraction,
                                       Map<String, Double> m, long t0) {
        StepShare s = distributed.run(step, questions, fraction, updater.updates());
        int failedGuidedSteps = guidanceStreak(step, state.failedGuidedSteps(), s.guideStats(), s.failures());
        logSamples(s.sampleRecords().stream().map(StepShare.Logged::record).toList());
        long tApply = System.nanoTime();
        UpdateStats u = updater.apply(s.gradients(), s.sums());
        BadUpdates bad = new BadUpdates(state.consecutiveBad(), state.totalBad());
        bad.count(step, u);
        parts.sampler().syncWeights();
        updater.handBackLargeState(); // the rollout and the scoring come next: large update-only state goes back
        long tUpdate = System.nanoTime();
        double[] seconds = s.seconds().clone();
        seconds[4] += (tUpdate - tApply) / 1e9;
        return finish(step, state, m, s.outcomes(), List.of(u), s.guideStats(), fraction, bad, failedGuidedSteps,
                s.failures(), (tUpdate - t0) / 1e9, seconds, s.rolloutTokens(), s.trainTokens());
    }

    /** Updates skipped for a non-finite loss or gradient: in a row, and in all. */
    private final class BadUpdates {
        int consecutive, total;

        BadUpdates(int consecutive, int total) {
            this.consecutive = consecutive;
            this.total = total;
        }

        void count(int step, UpdateStats u) {
            if (!u.skipped()) {
                consecutive = 0;
                return;
            }
            consecutive++;
            total++;
            if (consecutive >= cfg.training().maxBadSteps()) {
                throw new TrainingStoppedException("stopped at step " + step + ": " + consecutive
                        + " updates in a row had a non-finite loss or gradient (loss " + u.loss()
                        + ", gradient norm " + u.gradNorm() + "); the weights were not changed by them and "
                        + "the last checkpoint is intact. Lower optimizer.lr or check the data.");
            }
        }
    }

    private void logSamples(List<SampleRecord> records) {
        if (!sampleListeners.isEmpty() && cfg.training().logSamples() > 0) {
            sampleListeners.forEach(l -> l.accept(records));
        }
    }

    /**
     * Guided steps in a row on which every teacher reply failed, after this one; stops the run when that reaches
     * {@code guidance.teacher.max_failed_steps}.
     */
    private int guidanceStreak(int step, int before, Guide.Stats gs, List<Guide.Failure> failures) {
        if (gs.allFailed()) {
            checkGuidance(step, before + 1, failures);
            return before + 1;
        }
        return gs.selected() > 0 ? 0 : before;
    }

    /** The step's metrics, in the order of {@code metrics.csv}'s columns, and its new state. */
    private StepResult finish(int step, TrainerState state, Map<String, Double> m, List<ResponseOutcome> outcomes,
                              List<UpdateStats> updates, Guide.Stats gs, double fraction, BadUpdates bad,
                              int failedGuidedSteps, List<Guide.Failure> failures, double secs, double[] seconds,
                              long rolloutTokens, long trainTokens) {
        recordStudentMetrics(m, outcomes);
        recordRewardMetrics(m, outcomes);
        recordUpdateMetrics(m, updates);
        int total = outcomes.size();
        m.put("guidance/scheduled_fraction", fraction);
        m.put("guided_fraction", gs.guided() / (double) total);
        m.put("teacher/selected", (double) gs.selected());
        m.put("teacher/parse_failures", (double) gs.parseFailures());
        m.put("teacher/failures", (double) gs.teacherFailures());
        m.put("teacher/truncated", (double) gs.truncated());
        m.put("bad_updates", (double) bad.total);
        m.put("step_seconds", secs);
        m.put("time/rollout", seconds[0]);
        m.put("time/teacher", seconds[1]);
        m.put("time/reward", seconds[2]);
        m.put("time/logprobs", seconds[3]);
        m.put("time/update", seconds[4]);
        m.put("rollout_tokens_per_s", rolloutTokens / Math.max(1e-9, seconds[0]));
        m.put("train_tokens_per_s", trainTokens / Math.max(1e-9, seconds[4]));
        TrainerState next = new TrainerState(step, updater.updates(), bad.consecutive, bad.total, state.seed(),
                failedGuidedSteps);
        listeners.forEach(l -> l.onStep(step, m));
        return new StepResult(next, m, failures);
    }

    /**
     * Stops the run when every teacher reply has failed on {@code guidance.teacher.max_failed_steps} guided steps
     * in a row: a wrong URL, model name or key would otherwise turn a ThinkTuning run into plain GRPO unnoticed.
     * Called before the step's update, so the run stands where the previous step left it.
     */
    private void checkGuidance(int step, int failedInARow, List<Guide.Failure> failures) {
        int limit = cfg.guidance().teacher().maxFailedSteps();
        if (limit > 0 && failedInARow >= limit) {
            String last = failures.isEmpty() ? "no reason given" : failures.get(failures.size() - 1).describe();
            throw new TrainingStoppedException("stopped at step " + step + ": every teacher reply failed on "
                    + failedInARow + " guided steps in a row (guidance.teacher.max_failed_steps = " + limit
                    + "); last reason: " + last + ". Check the teacher's settings (guidance.teacher.base_url, model,"
                    + " api_key_env), or set guidance.teacher.max_failed_steps=0 to train on without guidance.",
                    true);
        }
    }

    /**
     * A finished step.
     *
     * @param teacherFailures the teacher's failed replies of the step, with their reasons
     */
    public record StepResult(TrainerState state, Map<String, Double> metrics, List<Guide.Failure> teacherFailures) {
        public StepResult {
            teacherFailures = List.copyOf(teacherFailures);
        }
    }

    private static void recordStudentMetrics(Map<String, Double> m, List<ResponseOutcome> outcomes) {
        int correct = 0;
        Map<String, Double> termSums = new LinkedHashMap<>();
        for (ResponseOutcome o : outcomes) {
            correct += o.correct() ? 1 : 0;
            o.studentScores().forEach((k, v) -> termSums.merge(k, v, Double::sum));
        }
        int total = outcomes.size();
        m.put("accuracy", correct / (double) total);
        for (Map.Entry<String, Double> e : termSums.entrySet()) {
            m.put("student/" + e.getKey(), e.getValue() / total);
        }
    }

    private static void recordRewardMetrics(Map<String, Double> m, List<ResponseOutcome> outcomes) {
        Map<String, Double> termSums = new LinkedHashMap<>();
        int lengthSum = 0, truncated = 0;
        for (ResponseOutcome o : outcomes) {
            o.scores().forEach((k, v) -> termSums.merge(k, v, Double::sum));
            lengthSum += o.length();
            truncated += o.truncated() ? 1 : 0;
        }
        int count = outcomes.size();
        double mean = outcomes.stream().mapToDouble(ResponseOutcome::reward).average().orElse(0);
        double var = outcomes.stream().mapToDouble(o -> (o.reward() - mean) * (o.reward() - mean)).sum()
                / Math.max(1, count - 1);
        m.put("reward/mean", mean);
        m.put("reward/std", Math.sqrt(var));
        for (Map.Entry<String, Double> e : termSums.entrySet()) {
            m.put("reward/" + e.getKey(), e.getValue() / count);
        }
        m.put("completion/length_mean", lengthSum / (double) count);
        m.put("completion/truncated_fraction", truncated / (double) count);
    }

    private static void recordUpdateMetrics(Map<String, Double> m, List<UpdateStats> updates) {
        double loss = 0, norm = 0, clip = 0, w = 0, kl = 0;
        int wN = 0, masked = 0, good = 0;
        for (UpdateStats u : updates) {
            if (u.skipped()) {
                continue;
            }
            good++;
            loss += u.loss();
            norm += u.gradNorm();
            clip += u.clipRatio();
            kl += u.kl();
            masked += u.aasMasked();
            if (!Double.isNaN(u.aasWeightMean())) {
                w += u.aasWeightMean();
                wN++;
            }
        }
        int d = Math.max(1, good);
        m.put("loss", good == 0 ? Double.NaN : loss / d);
        m.put("grad_norm", good == 0 ? Double.NaN : norm / d);
        m.put("lr", updates.isEmpty() ? Double.NaN : updates.get(updates.size() - 1).lr());
        m.put("clip_ratio", clip / d);
        m.put("kl", kl / d);
        m.put("aas/weight_mean", wN == 0 ? Double.NaN : w / wN);
        m.put("aas/masked_tokens", (double) masked);
        m.put("updates", (double) updates.size());
    }
}
