package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.RewardInput;
import dev.thinktune.reward.RewardTerm;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SequenceScorer;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.teacher.Guide;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop learns: GRPO raises a verifiable reward; AAS pulls teacher tokens up past the clip range. */
class ThinkTuningLearnsTest {

    private static final Tokenizer TOK = TestModels.fixtureTokenizer();

    /** Reward: the share of response tokens whose id is a multiple of 7 (about 1/7 at the start). */
    private static final RewardTerm SEVENS = new RewardTerm() {
        @Override
        public String name() {
            return "sevens";
        }

        @Override
        public double score(RewardInput in) {
            int[] ids = in.completionIds();
            int n = 0;
            for (int id : ids) {
                n += id % 7 == 0 ? 1 : 0;
            }
            return ids.length == 0 ? 0 : n / (double) ids.length;
        }
    };

    private static List<Example> questions() {
        List<Example> qs = new ArrayList<>();
        String[] words = {"apples", "books", "clips", "eggs", "pages", "cookies"};
        for (int i = 0; i < words.length; i++) {
            qs.add(new Example("q" + i, "How many " + words[i] + "?", "1", "", List.of(), Example.AnswerType.NUMBER));
        }
        return qs;
    }

    private static TrainConfig config(String... overrides) {
        List<String> o = new ArrayList<>(List.of("mode=grpo", "guidance.k=0", "rollout.n=8", "rollout.max_new_tokens=6",
                "training.questions_per_step=4", "training.micro_batch_size=32", "objective.beta=0",
                "optimizer.lr=0.01", "seed=5"));
        o.addAll(List.of(overrides));
        return ConfigLoader.load(o);
    }

    /** A fresh random student over the fixture tokenizer's ids: near-uniform next-token distributions. */
    private static ModelWeights freshStudent() {
        return ModelWeights.initialize(dev.thinktune.model.LlamaConfig.of(TOK.vocabSize(), 64, 128, 2, 4, 2, 512,
                true, 0, 4), 0.02, 11);
    }

    private static PromptEncoder prompts() {
        return new PromptEncoder(TOK, ChatTemplate.forTokenizer(TOK), PromptFormatter.questionOnly(), "");
    }

    @Test
    void grpoRaisesAVerifiableRewardWithinTwentySteps() {
        TrainConfig cfg = config("training.steps=20");
        ModelWeights w = freshStudent();
        StudentModel policy = StudentModel.of(w);
        PromptEncoder p = prompts();
        try (RolloutEngine engine = RolloutEngine.create(w)) {
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(policy,
                    new EngineSampler(engine), null, Guide.NONE,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(SEVENS, 1.0))), p,
                    p.stopIds(List.of()), questions()));
            List<Double> rewards = new ArrayList<>();
            TrainerState s = TrainerState.start(cfg.seed());
            for (int step = 1; step <= 20; step++) {
                ThinkTuningTrainer.StepResult r = trainer.step(step, s);
                s = r.state();
                rewards.add(r.metrics().get("reward/mean"));
            }
            double first = rewards.subList(0, 4).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = rewards.subList(16, 20).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertTrue(last > first + 0.2, "reward should rise: first steps " + first + ", last steps " + last
                    + " " + rewards);
        }
    }

    @Test
    void largeDecoderCachesAreHandedBackAsSoonAsTheirScoringIsDoneSmallOnesKept() {
        // the policy's before the reference fills its own, the reference's before the update
        assertEquals(List.of("policy cache", "reference scored", "reference cache", "update done",
                "policy cache", "reference scored", "reference cache", "update done"),
                cacheEvents(ThinkTuningTrainer.HANDED_BACK_CACHE_BYTES));
        assertEquals(List.of("reference scored", "update done", "reference scored", "update done"),
                cacheEvents(ThinkTuningTrainer.HANDED_BACK_CACHE_BYTES - 1));
    }

    /**
     * What two steps do with decoders whose caches report {@code cacheBytes}: the reference's scoring, each cache
     * handed back, the update (repeats of one event counted once).
     */
    private static List<String> cacheEvents(long cacheBytes) {
        TrainConfig cfg = config("training.steps=2", "objective.beta=0.04");
        ModelWeights w = freshStudent();
        StudentModel policy = StudentModel.of(w);
        PromptEncoder p = prompts();
        List<String> events = new ArrayList<>();
        try (RolloutEngine engine = RolloutEngine.create(w); RolloutEngine ref = RolloutEngine.create(w.copy())) {
            SequenceScorer policyScorer = recording(engine, cacheBytes, events, null, "policy cache");
            PolicySampler sampler = new PolicySampler() {
                @Override
                public dev.thinktune.rollout.Generator generator() {
                    return engine;
                }

                @Override
                public SequenceScorer scorer() {
                    return policyScorer;
                }

                @Override
                public void syncWeights() {
                    events.add("update done");
                    engine.refreshWeights();
                }
            };
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(policy, sampler,
                    recording(ref, cacheBytes, events, "reference scored", "reference cache"), Guide.NONE,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(SEVENS, 1.0))), p,
                    p.stopIds(List.of()), questions()));
            TrainerState s = TrainerState.start(cfg.seed());
            for (int step = 1; step <= 2; step++) {
                ThinkTuningTrainer.StepResult r = trainer.step(step, s);
                s = r.state();
                assertTrue(Double.isFinite(r.metrics().get("kl")), r.metrics().toString());
            }
        }
        List<String> compact = new ArrayList<>();
        for (String e : events) {
            if (compact.isEmpty() || !compact.get(compact.size() - 1).equals(e)) {
                compact.add(e);
            }
        }
        return compact;
    }

    /** {@code engine} as a scorer that says its cache holds {@code cacheBytes} and records what is done with it. */
    private static SequenceScorer recording(RolloutEngine engine, long cacheBytes, List<String> events, String scored,
                                            String released) {
        return new SequenceScorer() {
            @Override
            public List<float[]> logprobs(List<int[]> sequences) {
                if (scored != null) {
                    events.add(scored);
                }
                return engine.logprobs(sequences);
            }

            @Override
            public long cacheBytes() {
                return cacheBytes;
            }

            @Override
            public void releaseCache() {
                events.add(released);
                engine.releaseCache();
            }
        };
    }

    /**
     * One step with mu = 16 passes over the same batch, where a guide appends a fixed continuation to one answer
     * per group and the reward favours it. Under AAS the continuation's tokens keep rising; treated as ordinary
     * (clipped-ratio) tokens they stop once their ratio leaves the clip range, at about log(1 + eps_high) a token.
     */
    @Test
    void aasPullsTeacherTokensUpWhereTheClippedRatioStops() {
        double aas = continuationGain(true);
        double ratioOnly = continuationGain(false);
        double clipBound = Math.log(1.2);
        System.out.println("continuation gain per token: AAS " + aas + ", clipped ratio " + ratioOnly);
        assertTrue(aas > clipBound + 0.2, "AAS gain per token " + aas + " should go well past log(1.2) = " + clipBound);
        assertTrue(ratioOnly < clipBound + 0.12, "clipped-ratio gain per token " + ratioOnly + " should stop near "
                + clipBound + " (plus the overshoot of the last update)");
        assertTrue(aas > 2 * ratioOnly, "AAS " + aas + " vs ratio-only " + ratioOnly);
    }

    private double continuationGain(boolean teacherMask) {
        int[] continuation = TOK.encode(" Wait, the answer is 42.", false);
        int eot = prompts().endOfTurnId();
        TrainConfig cfg = config("mode=thinktune", "guidance.k=1", "training.mu=16", "training.steps=1",
                "optimizer.lr=0.0002", "objective.c1=0.0001", "objective.c2=-0.0001");
        ModelWeights w = freshStudent();
        StudentModel policy = StudentModel.of(w);
        PromptEncoder p = prompts();
        Guide appendFixed = (groups, fraction, seed) -> {
            List<RolloutGroup> out = new ArrayList<>();
            for (RolloutGroup g : groups) {
                List<Trajectory> ts = new ArrayList<>(g.trajectories());
                Trajectory first = ts.get(0);
                int keep = first.endedWithEos() ? first.length() - 1 : first.length();
                int[] ids = new int[keep + continuation.length + 1];
                boolean[] mask = new boolean[ids.length];
                System.arraycopy(first.responseIds(), 0, ids, 0, keep);
                System.arraycopy(continuation, 0, ids, keep, continuation.length);
                ids[ids.length - 1] = eot;
                for (int i = keep; i < ids.length; i++) {
                    mask[i] = teacherMask;
                }
                ts.set(0, new Trajectory(ids, mask, FinishReason.EOS, true, "self-critique"));
                out.add(g.withTrajectories(ts));
            }
            return new Guide.Result(out, new Guide.Stats(groups.size(), groups.size(), 0, 0, 0));
        };
        RewardTerm containsContinuation = new RewardTerm() {
            @Override
            public String name() {
                return "continuation";
            }

            @Override
            public double score(RewardInput in) {
                return in.completion().contains("answer is 42") ? 1.0 : 0.0;
            }
        };
        int[] probe = probeSequence(p, continuation, eot);
        try (RolloutEngine engine = RolloutEngine.create(w)) {
            double before = meanLogprob(engine, probe, continuation.length + 1);
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(policy,
                    new EngineSampler(engine), null, appendFixed,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(containsContinuation, 1.0))), p,
                    p.stopIds(List.of()), questions()));
            List<SampleRecord> logged = new ArrayList<>();
            trainer.addSampleListener(logged::addAll);
            Map<String, Double> m = trainer.step(1, TrainerState.start(cfg.seed())).metrics();
            assertTrue(m.get("guided_fraction") > 0, "the guide ran");
            // the sample log shows the guided response as trained: the appended text, its teacher tokens, its reward
            assertEquals(cfg.rollout().n(), logged.size(), "the first group's responses");
            SampleRecord guided = logged.get(0);
            assertTrue(guided.guided() && guided.text().endsWith(" Wait, the answer is 42."), guided.text());
            assertEquals(teacherMask ? continuation.length + 1 : 0, guided.teacherTokens());
            assertEquals(1.0, guided.reward());
            assertEquals("self-critique", guided.behavior());
            assertTrue(logged.stream().skip(1).noneMatch(SampleRecord::guided));
            assertTrue(guided.advantage() > 0 && logged.stream().skip(1).allMatch(r -> r.advantage() <= 0));
            double after = meanLogprob(engine, probe, continuation.length + 1);
            return after - before;
        }
    }

    /** A prompt followed by the fixed continuation and end of turn. */
    private static int[] probeSequence(PromptEncoder p, int[] continuation, int eot) {
        int[] prompt = p.encode(questions().get(0)).ids();
        int[] seq = new int[prompt.length + continuation.length + 1];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        System.arraycopy(continuation, 0, seq, prompt.length, continuation.length);
        seq[seq.length - 1] = eot;
        return seq;
    }

    /** Mean log-probability of the last {@code n} tokens of {@code seq}. */
    private static double meanLogprob(RolloutEngine engine, int[] seq, int n) {
        float[] lp = engine.logprobs(List.of(seq)).get(0);
        double s = 0;
        for (int i = lp.length - n; i < lp.length; i++) {
            s += lp[i];
        }
        return s / n;
    }
}
