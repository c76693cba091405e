package dev.thinktune.examples;

import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.RewardInput;
import dev.thinktune.reward.RewardTerm;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.RunFolder;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ThinkTuning with a reward of your own: the configured terms (correctness with EOS gating) plus a bonus for
 * short answers. Run from the repository root after {@code mvn -q -DskipTests package}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "target/thinktune.jar:target/lib/*:target/test-classes" \
 *     dev.thinktune.examples.CustomRewardTraining
 * </pre>
 */
public final class CustomRewardTraining {
    /** 0.2 for an answer under 60 tokens, nothing otherwise. */
    static final class Brevity implements RewardTerm {
        @Override
        public String name() {
            return "brevity";
        }

        @Override
        public double score(RewardInput in) {
            return in.tokenCount() < 60 ? 1.0 : 0.0;
        }
    }

    public static void main(String[] args) {
        TrainConfig cfg = ConfigLoader.load(Path.of("configs/quickstart.yaml"),
                List.of("output_dir=runs/custom-reward", "training.steps=5", "eval.questions=0"));
        List<RewardFunction.WeightedTerm> terms = new ArrayList<>(RewardFunction.from(cfg.reward()).terms());
        terms.add(new RewardFunction.WeightedTerm(new Brevity(), 0.2));
        RewardFunction reward = RewardFunction.of(terms);
        TrainingRun.Outcome o = new TrainingRun(cfg, System.out).withReward(reward)
                .run(RunFolder.Start.OVERWRITE);
        System.out.println("reward terms " + reward.termNames() + "; metrics in " + o.metricsFile());
    }
}
