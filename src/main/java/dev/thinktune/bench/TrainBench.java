package dev.thinktune.bench;

import dev.thinktune.data.Example;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.RewardInput;
import dev.thinktune.reward.RewardTerm;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.teacher.Guide;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.EngineSampler;
import dev.thinktune.train.ModelAssets;
import dev.thinktune.train.ThinkTuningTrainer;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainerState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
     * @param questions  questions per step
     * @param n          answers per question
     * @param newTokens  tokens per answer (no early stop)
     * @param teacherTokens tokens the guide appends to one answer per group
     * @param steps      measured steps (after one warm-up step)
     * @param tokenizer  tokenizer for prompts (its ids must fit the model's vocabulary)
     */
    public record Settings(int questions, int n, int newTokens, int teacherTokens, int steps, Path tokenizer) {
        public static Settings defaults(Path tokenizer) {
            return new Settings(8, 8, 64, 32, 2, tokenizer);
        }
    }

    private TrainBench() {
    }

    public static List<BenchResult> run(BenchSize size, Settings s, Consumer<BenchResult> sink) {
        ModelAssets assets = ModelAssets.load(s.tokenizer(), "auto", "", "");
        PromptEncoder prompts = assets.prompts();
        ModelWeights w = ModelWeights.initialize(size.config(), 0.02, 5);
        if (assets.tokenizer().vocabSize() > size.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + assets.tokenizer().vocabSize()
                    + " ids, more than the " + size.label() + " model's vocabulary");
        }
        TrainConfig cfg = ConfigLoader.load(List.of("mode=thinktune", "guidance.k=1000", "rollout.n=" + s.n(),
                "rollout.max_new_tokens=" + s.newTokens(), "training.questions_per_step=" + s.questions(),
                "training.micro_batch_size=16", "objective.beta=0.001", "seed=1"));
        List<Example> qs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            qs.add(new Example("q" + i, "Tom has " + (3 + i) + " apples and buys " + (i % 9 + 2)
                    + " more. How many apples does Tom have now?", "0", "", List.of(), Example.AnswerType.NUMBER));
        }
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
        try (RolloutEngine engine = RolloutEngine.create(w);
             RolloutEngine reference = RolloutEngine.create(w.copy())) {
            // no stop id: every answer is exactly newTokens long
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(StudentModel.of(w),
                    new EngineSampler(engine), reference, guide,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(parity, 1.0))), prompts,
                    java.util.Set.of(), qs));
            TrainerState state = TrainerState.start(1);
            Map<String, Double> sum = new LinkedHashMap<>();
            for (int step = 1; step <= s.steps() + 1; step++) {
                ThinkTuningTrainer.StepResult r = trainer.step(step, state);
                state = r.state();
                if (step > 1) {
                    r.metrics().forEach((k, v) -> sum.merge(k, v / s.steps(), Double::sum));
                }
            }
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
                BenchResult r = new BenchResult(NAME, size.label(), seqs, phases[i][0], tokens[i] / secs, secs,
                        ProcessStats.peakRssMb(), extra);
                results.add(r);
                sink.accept(r);
            }
        }
        return results;
    }
}
