package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.reward.RewardBreakdown;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.teacher.Guide;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-question half of a ThinkTuning step, for any subset of the step's questions: the student samples n
 * answers per question, the guide has a teacher extend some of them, rewards are verified, advantages are
 * normalised per group, and old-policy (and reference) log-probs are computed on the final sequences. Every
 * random choice is seeded from the run seed, the step and the question ({@link Seeds#forQuestion}), so a
 * question's samples do not depend on the other questions worked on with it.
 */
public final class StepPreparation {
    private final TrainConfig cfg;
    private final ThinkTuningTrainer.Parts parts;
    private final Verifier verifier = Verifier.lenient();

    public StepPreparation(TrainConfig cfg, ThinkTuningTrainer.Parts parts) {
        this.cfg = cfg;
        this.parts = parts;
    }

    /**
     * A prepared set of groups.
     *
     * @param samples         the training samples (empty responses left out), with their log-probs
     * @param outcomes        every response's outcome, in group then response order
     * @param sampleRecords   the responses of the groups logged to {@code samples.jsonl}
     * @param guideStats      what guidance did
     * @param failures        the teacher's failed replies (group indices in the step)
     * @param advantages      every response's advantage, in group then response order
     * @param rolloutTokens   tokens the student sampled
     * @param rolloutSeconds  time sampling
     * @param teacherSeconds  time guiding
     * @param rewardSeconds   time scoring rewards
     * @param logprobSeconds  time computing log-probs
     */
    public record Prepared(List<TrainingSample> samples, List<ResponseOutcome> outcomes,
                           List<SampleRecord> sampleRecords, Guide.Stats guideStats, List<Guide.Failure> failures,
                           double[] advantages, int rolloutTokens, double rolloutSeconds, double teacherSeconds,
                           double rewardSeconds, double logprobSeconds) {
    }

    /**
     * Prepares {@code questions}, the step's groups {@code firstGroup} onwards.
     *
     * @param fraction the step's scheduled guided fraction (0: no guidance)
     */
    public Prepared prepare(int step, int firstGroup, List<Example> questions, double fraction) {
        long t0 = System.nanoTime();
        List<RolloutGroup> groups = rollouts(step, questions);
        long tRollout = System.nanoTime();
        int rolloutTokens = groups.stream().flatMap(g -> g.trajectories().stream()).mapToInt(Trajectory::length).sum();
        Tokenizer tok = parts.prompts().tokenizer();
        List<List<RewardBreakdown>> studentRewards = scoreAll(groups);
        List<boolean[]> correct = new ArrayList<>();
        for (RolloutGroup g : groups) {
            boolean[] c = new boolean[g.trajectories().size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = verifier.verify(g.example(), tok.decode(g.trajectories().get(i).responseIds(), true)).correct();
            }
            correct.add(c);
        }

        Guide.Stats gs = Guide.Stats.NONE;
        List<Guide.Failure> failures = new ArrayList<>();
        long tGuideStart = System.nanoTime();
        if (fraction > 0) {
            Guide.Result r = parts.guide().guide(groups, fraction, Seeds.of(cfg.seed(), step, Seeds.GUIDE));
            groups = r.groups();
            gs = r.stats();
            r.failures().forEach(f -> failures.add(new Guide.Failure(f.group() + firstGroup, f.response(), f.kind(),
                    f.reason())));
        }
        long tGuide = System.nanoTime();

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
        List<SampleRecord> records = cfg.training().logSamples() > firstGroup
                ? sampleRecords(step, firstGroup, groups, rewards, adv, failures, cfg.training().logSamples())
                : List.of();

        List<TrainingSample> samples = samples(groups, adv);
        List<int[]> seqs = samples.stream().map(TrainingSample::ids).toList();
        List<float[]> old = parts.sampler().scorer().logprobs(seqs);
        ThinkTuningTrainer.handBackLargeCache(parts.sampler().scorer()); // before the reference fills its own
        List<float[]> ref = cfg.objective().beta() > 0 ? parts.reference().logprobs(seqs) : null;
        for (int i = 0; i < samples.size(); i++) {
            samples.set(i, samples.get(i).withLogprobs(old.get(i), ref == null ? null : ref.get(i)));
        }
        long tLogprob = System.nanoTime();

        List<ResponseOutcome> outcomes = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<Trajectory> ts = groups.get(g).trajectories();
            for (int i = 0; i < ts.size(); i++) {
                Trajectory t = ts.get(i);
                outcomes.add(new ResponseOutcome(firstGroup + g, i, correct.get(g)[i],
                        studentRewards.get(g).get(i).scores(), rewards.get(g).get(i).total(),
                        rewards.get(g).get(i).scores(), t.length(), t.finishReason() == FinishReason.LENGTH));
            }
        }
        return new Prepared(samples, outcomes, records, gs, failures, adv, rolloutTokens, (tRollout - t0) / 1e9,
                (tGuide - tGuideStart) / 1e9, (tReward - tGuide + tGuideStart - tRollout) / 1e9,
                (tLogprob - tReward) / 1e9);
    }

    private List<RolloutGroup> rollouts(int step, List<Example> questions) {
        List<GenerationRequest> reqs = new ArrayList<>();
        List<PromptEncoder.Prompt> prompts = new ArrayList<>();
        for (Example q : questions) {
            PromptEncoder.Prompt p = parts.prompts().encode(q);
            prompts.add(p);
            SamplingParams sp = new SamplingParams(cfg.rollout().temperature(), cfg.rollout().topP(),
                    cfg.rollout().topK(), 0.0, cfg.rollout().maxNewTokens(), parts.stopIds(), List.of(),
                    Seeds.forQuestion(cfg.seed(), step, Seeds.ROLLOUT, q));
            reqs.add(new GenerationRequest(p.ids(), cfg.rollout().n(), sp));
        }
        List<List<Completion>> out = parts.sampler().generator().generate(reqs);
        List<RolloutGroup> groups = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            groups.add(new RolloutGroup(questions.get(i), prompts.get(i).text(), prompts.get(i).ids(),
                    out.get(i).stream().map(Trajectory::of).toList()));
        }
        return groups;
    }

    private List<SampleRecord> sampleRecords(int step, int firstGroup, List<RolloutGroup> groups,
                                             List<List<RewardBreakdown>> rewards, double[] adv,
                                             List<Guide.Failure> failures, int maxGroups) {
        Tokenizer tok = parts.prompts().tokenizer();
        int n = cfg.rollout().n();
        Map<Long, String> failed = new HashMap<>();
        failures.forEach(f -> failed.put((long) f.group() * n + f.response(), f.describe()));
        List<SampleRecord> out = new ArrayList<>();
        for (int g = 0; g < Math.min(maxGroups - firstGroup, groups.size()); g++) {
            RolloutGroup grp = groups.get(g);
            for (int i = 0; i < grp.trajectories().size(); i++) {
                Trajectory t = grp.trajectories().get(i);
                RewardBreakdown b = rewards.get(g).get(i);
                out.add(new SampleRecord(step, grp.example().id(), grp.example().question(), i, t.guided(),
                        t.behavior(), t.length(), t.teacherTokens(), t.finishReason().name().toLowerCase(Locale.ROOT),
                        b.total(), b.scores(), adv[g * n + i], tok.decode(t.responseIds(), true),
                        failed.getOrDefault((long) (firstGroup + g) * n + i, "")));
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

    private static List<TrainingSample> samples(List<RolloutGroup> groups, double[] adv) {
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
}
