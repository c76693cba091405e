package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardBreakdown;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.rollout.SequenceScorer;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.teacher.Guide;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Algorithm 1 of ThinkTuning. Per step: sample questions; the student samples n answers each at the rollout
 * temperature; on guided steps the guide has a teacher extend gamma answers per group; rewards are verified;
 * advantages are normalised per group; old-policy (and reference) log-probs are computed on the final
 * sequences; then mu passes of mini-batch updates. With k = 0 it is plain GRPO through the same code.
 */
public final class ThinkTuningTrainer {
    private final TrainConfig cfg;
    private final Parts parts;
    private final PolicyUpdater updater;
    private final QuestionOrder order;
    private final Verifier verifier = Verifier.lenient();
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
        if (cfg.objective().beta() > 0 && parts.reference() == null) {
            throw new IllegalArgumentException("objective.beta > 0 needs a reference model");
        }
        this.cfg = cfg;
        this.parts = parts;
        int perStep = cfg.training().questionsPerStep() * cfg.rollout().n();
        int miniBatch = miniBatchSize();
        int totalUpdates = cfg.training().steps() * cfg.training().mu() * (perStep / miniBatch);
        this.updater = new PolicyUpdater(parts.policy(), cfg.objective(), cfg.optimizer(), totalUpdates);
        this.order = new QuestionOrder(parts.train().size(), cfg.seed());
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

    /** Runs one step (1-based) and returns the new state and its metrics. */
    public StepResult step(int step, TrainerState state) {
        long t0 = System.nanoTime();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("step", (double) step);

        // 1. questions and rollouts
        int[] picks = order.forStep(step, cfg.training().questionsPerStep());
        List<RolloutGroup> groups = rollouts(step, picks);
        long tRollout = System.nanoTime();
        int rolloutTokens = groups.stream().flatMap(g -> g.trajectories().stream()).mapToInt(Trajectory::length).sum();

        // the student's own samples: accuracy and reward terms before any guidance
        List<List<RewardBreakdown>> studentRewards = scoreAll(groups);
        recordStudentMetrics(m, groups, studentRewards);

        // 2. guidance
        double fraction = cfg.mode() == TrainConfig.Mode.THINKTUNE ? cfg.guidance().fraction(step) : 0.0;
        Guide.Stats gs = Guide.Stats.NONE;
        List<Guide.Failure> failures = List.of();
        int failedGuidedSteps = state.failedGuidedSteps();
        if (fraction > 0) {
            Guide.Result r = parts.guide().guide(groups, fraction, Seeds.of(cfg.seed(), step, Seeds.GUIDE));
            groups = r.groups();
            gs = r.stats();
            failures = r.failures();
            if (r.allFailed()) {
                failedGuidedSteps++;
                checkGuidance(step, failedGuidedSteps, failures);
            } else if (gs.selected() > 0) {
                failedGuidedSteps = 0;
            }
        }
        long tGuide = System.nanoTime();

        // 3. rewards and advantages on the final responses
        List<List<RewardBreakdown>> rewards = gs.guided() > 0 ? scoreAll(groups) : studentRewards;
        int n = cfg.rollout().n();
        double[] r = new double[groups.size() * n];
        for (int g = 0; g < groups.size(); g++) {
            for (int i = 0; i < n; i++) {
                r[g * n + i] = rewards.get(g).get(i).total();
            }
        }
        double[] adv = Advantages.groupNormalized(r, n);
        long tReward = System.nanoTime();
        if (!sampleListeners.isEmpty() && cfg.training().logSamples() > 0) {
            List<SampleRecord> logged = sampleRecords(step, groups, rewards, adv, failures,
                    cfg.training().logSamples());
            sampleListeners.forEach(l -> l.accept(logged));
        }

        // 4. old-policy and reference log-probs on the final sequences
        List<TrainingSample> samples = samples(groups, adv);
        List<int[]> seqs = samples.stream().map(TrainingSample::ids).toList();
        List<float[]> old = parts.sampler().scorer().logprobs(seqs);
        List<float[]> ref = cfg.objective().beta() > 0 ? parts.reference().logprobs(seqs) : null;
        for (int i = 0; i < samples.size(); i++) {
            samples.set(i, samples.get(i).withLogprobs(old.get(i), ref == null ? null : ref.get(i)));
        }
        long tLogprob = System.nanoTime();

        // 5. mu passes of mini-batch updates
        double advMin = cfg.objective().advMin(), advMax = cfg.objective().advMax();
        if (cfg.objective().advRange() == ObjectiveConfig.AdvantageRange.BATCH) {
            advMin = java.util.Arrays.stream(adv).min().orElse(-1);
            advMax = java.util.Arrays.stream(adv).max().orElse(1);
            if (advMax - advMin < 1e-6) {
                advMin -= 1;
                advMax += 1;
            }
        }
        List<UpdateStats> updates = new ArrayList<>();
        int consecutiveBad = state.consecutiveBad(), totalBad = state.totalBad();
        int mb = miniBatchSize();
        for (int pass = 0; pass < cfg.training().mu(); pass++) {
            List<TrainingSample> shuffled = new ArrayList<>(samples);
            Collections.shuffle(shuffled, new Random(Seeds.of(cfg.seed(), step, Seeds.SHUFFLE) + pass));
            for (int s = 0; s < shuffled.size(); s += mb) {
                UpdateStats u = updater.update(shuffled.subList(s, Math.min(shuffled.size(), s + mb)),
                        cfg.training().microBatchSize(), advMin, advMax);
                updates.add(u);
                if (u.skipped()) {
                    consecutiveBad++;
                    totalBad++;
                    if (consecutiveBad >= cfg.training().maxBadSteps()) {
                        throw new TrainingStoppedException("stopped at step " + step + ": " + consecutiveBad
                                + " updates in a row had a non-finite loss or gradient (loss " + u.loss()
                                + ", gradient norm " + u.gradNorm() + "); the weights were not changed by them and "
                                + "the last checkpoint is intact. Lower optimizer.lr or check the data.");
                    }
                } else {
                    consecutiveBad = 0;
                }
            }
        }
        parts.sampler().syncWeights();
        long tUpdate = System.nanoTime();

        // 6. metrics
        recordRewardMetrics(m, groups, rewards);
        recordUpdateMetrics(m, updates);
        int total = groups.size() * n;
        m.put("guidance/scheduled_fraction", fraction);
        m.put("guided_fraction", gs.guided() / (double) total);
        m.put("teacher/selected", (double) gs.selected());
        m.put("teacher/parse_failures", (double) gs.parseFailures());
        m.put("teacher/failures", (double) gs.teacherFailures());
        m.put("teacher/truncated", (double) gs.truncated());
        m.put("bad_updates", (double) totalBad);
        double secs = (tUpdate - t0) / 1e9;
        int trainTokens = samples.stream().mapToInt(sm -> sm.ids().length).sum() * cfg.training().mu();
        m.put("step_seconds", secs);
        m.put("time/rollout", (tRollout - t0) / 1e9);
        m.put("time/teacher", (tGuide - tRollout) / 1e9);
        m.put("time/reward", (tReward - tGuide) / 1e9);
        m.put("time/logprobs", (tLogprob - tReward) / 1e9);
        m.put("time/update", (tUpdate - tLogprob) / 1e9);
        m.put("rollout_tokens_per_s", rolloutTokens / Math.max(1e-9, (tRollout - t0) / 1e9));
        m.put("train_tokens_per_s", trainTokens / Math.max(1e-9, (tUpdate - tLogprob) / 1e9));
        TrainerState next = new TrainerState(step, updater.updates(), consecutiveBad, totalBad, state.seed(),
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

    private List<RolloutGroup> rollouts(int step, int[] picks) {
        List<GenerationRequest> reqs = new ArrayList<>();
        List<PromptEncoder.Prompt> prompts = new ArrayList<>();
        long seed = Seeds.of(cfg.seed(), step, Seeds.ROLLOUT);
        for (int i = 0; i < picks.length; i++) {
            PromptEncoder.Prompt p = parts.prompts().encode(parts.train().get(picks[i]));
            prompts.add(p);
            SamplingParams sp = new SamplingParams(cfg.rollout().temperature(), cfg.rollout().topP(),
                    cfg.rollout().topK(), 0.0, cfg.rollout().maxNewTokens(), parts.stopIds(), List.of(),
                    seed + 1_000_003L * i);
            reqs.add(new GenerationRequest(p.ids(), cfg.rollout().n(), sp));
        }
        List<List<Completion>> out = parts.sampler().generator().generate(reqs);
        List<RolloutGroup> groups = new ArrayList<>();
        for (int i = 0; i < picks.length; i++) {
            groups.add(new RolloutGroup(parts.train().get(picks[i]), prompts.get(i).text(), prompts.get(i).ids(),
                    out.get(i).stream().map(Trajectory::of).toList()));
        }
        return groups;
    }

    private List<SampleRecord> sampleRecords(int step, List<RolloutGroup> groups, List<List<RewardBreakdown>> rewards,
                                             double[] adv, List<Guide.Failure> failures, int maxGroups) {
        Tokenizer tok = parts.prompts().tokenizer();
        int n = cfg.rollout().n();
        Map<Long, String> failed = new java.util.HashMap<>();
        failures.forEach(f -> failed.put((long) f.group() * n + f.response(), f.describe()));
        List<SampleRecord> out = new ArrayList<>();
        for (int g = 0; g < Math.min(maxGroups, groups.size()); g++) {
            RolloutGroup grp = groups.get(g);
            for (int i = 0; i < grp.trajectories().size(); i++) {
                Trajectory t = grp.trajectories().get(i);
                RewardBreakdown b = rewards.get(g).get(i);
                out.add(new SampleRecord(step, grp.example().id(), grp.example().question(), i, t.guided(),
                        t.behavior(), t.length(), t.teacherTokens(), t.finishReason().name().toLowerCase(Locale.ROOT),
                        b.total(), b.scores(), adv[g * n + i], tok.decode(t.responseIds(), true),
                        failed.getOrDefault((long) g * n + i, "")));
            }
        }
        return out;
    }

    private List<List<RewardBreakdown>> scoreAll(List<RolloutGroup> groups) {
        Tokenizer tok = parts.prompts().tokenizer();
        List<List<RewardBreakdown>> all = new ArrayList<>();
        for (RolloutGroup g : groups) {
            List<RewardBreakdown> rs = new ArrayList<>();
            for (Trajectory t : g.trajectories()) {
                rs.add(parts.reward().score(g.example(), tok.decode(t.responseIds(), true), t.responseIds(),
                        parts.stopIds()));
            }
            all.add(rs);
        }
        return all;
    }

    private List<TrainingSample> samples(List<RolloutGroup> groups, double[] adv) {
        List<TrainingSample> out = new ArrayList<>();
        int k = 0;
        for (RolloutGroup g : groups) {
            for (Trajectory t : g.trajectories()) {
                int[] ids = new int[g.promptIds().length + t.length()];
                System.arraycopy(g.promptIds(), 0, ids, 0, g.promptIds().length);
                System.arraycopy(t.responseIds(), 0, ids, g.promptIds().length, t.length());
                if (t.length() == 0) {
                    k++;
                    continue; // nothing to learn from an empty response
                }
                out.add(new TrainingSample(ids, g.promptIds().length, t.teacherMask(), adv[k++], null, null));
            }
        }
        return out;
    }

    private void recordStudentMetrics(Map<String, Double> m, List<RolloutGroup> groups,
                                      List<List<RewardBreakdown>> rewards) {
        Tokenizer tok = parts.prompts().tokenizer();
        int correct = 0, total = 0;
        Map<String, Double> termSums = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            RolloutGroup grp = groups.get(g);
            for (int i = 0; i < grp.trajectories().size(); i++) {
                Trajectory t = grp.trajectories().get(i);
                if (verifier.verify(grp.example(), tok.decode(t.responseIds(), true)).correct()) {
                    correct++;
                }
                total++;
                rewards.get(g).get(i).scores().forEach((k, v) -> termSums.merge(k, v, Double::sum));
            }
        }
        m.put("accuracy", correct / (double) total);
        for (Map.Entry<String, Double> e : termSums.entrySet()) {
            m.put("student/" + e.getKey(), e.getValue() / total);
        }
    }

    private void recordRewardMetrics(Map<String, Double> m, List<RolloutGroup> groups,
                                     List<List<RewardBreakdown>> rewards) {
        List<Double> totals = new ArrayList<>();
        Map<String, Double> termSums = new LinkedHashMap<>();
        int lengthSum = 0, truncated = 0, count = 0;
        for (int g = 0; g < groups.size(); g++) {
            for (int i = 0; i < groups.get(g).trajectories().size(); i++) {
                RewardBreakdown b = rewards.get(g).get(i);
                totals.add(b.total());
                b.scores().forEach((k, v) -> termSums.merge(k, v, Double::sum));
                Trajectory t = groups.get(g).trajectories().get(i);
                lengthSum += t.length();
                truncated += t.finishReason() == dev.thinktune.rollout.FinishReason.LENGTH ? 1 : 0;
                count++;
            }
        }
        double mean = totals.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double var = totals.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, totals.size() - 1);
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
