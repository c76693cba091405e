package dev.thinktune.examples;

import dev.thinktune.data.Datasets;
import dev.thinktune.data.Example;
import dev.thinktune.eval.AccuracyEvaluator;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.train.ModelAssets;

import java.nio.file.Path;
import java.util.List;

/**
 * Greedy accuracy of a checkpoint on a GSM8K-format file, through the rollout engine. Arguments: model
 * directory (default models/arith-tiny) and data file (default data/arith/test.jsonl).
 */
public final class EvaluateCheckpoint {
    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "models/arith-tiny");
        Path data = Path.of(args.length > 1 ? args[1] : "data/arith/test.jsonl");
        ModelWeights weights = HfCheckpoint.load(model);
        ModelAssets assets = ModelAssets.load(model, "auto", "", "");
        List<Example> questions = Datasets.readAll("gsm8k", data);
        questions = questions.subList(0, Math.min(100, questions.size()));
        try (RolloutEngine engine = RolloutEngine.create(weights)) {
            AccuracyEvaluator.Result r = new AccuracyEvaluator(engine, assets.prompts(), Verifier.lenient(), 64)
                    .evaluate(questions, SamplingParams.greedy(128,
                            assets.prompts().stopIds(weights.config().eosTokenIds())), 1);
            System.out.printf("accuracy %.3f on %d questions, mean %.1f tokens%n", r.accuracy(), questions.size(),
                    r.meanTokens());
        }
    }
}
