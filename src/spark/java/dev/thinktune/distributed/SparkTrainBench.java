package dev.thinktune.distributed;

import dev.thinktune.bench.BenchResult;
import dev.thinktune.bench.BenchSize;
import dev.thinktune.bench.ProcessStats;
import dev.thinktune.bench.RandomCheckpoint;
import dev.thinktune.bench.TrainBench;
import dev.thinktune.data.Example;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.teacher.Guide;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.EngineSampler;
import dev.thinktune.train.Guides;
import dev.thinktune.train.ModelAssets;
import dev.thinktune.train.Seeds;
import dev.thinktune.train.ThinkTuningTrainer;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainerState;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code bench train --spark MASTER,...}: GRPO steps of a benchmark-sized student on random weights, scaled out on
 * each master in turn (the same questions, answers and seeds), with what crossed the network: the parameters
 * broadcast per step (one new version a step) and the gradient sums gathered (one set per partition). The random
 * student is written as a checkpoint in a temporary directory, which the executors read (so a master whose
 * executors are on other machines needs a shared temporary directory; local masters have it).
 */
public final class SparkTrainBench {
    private SparkTrainBench() {
    }

    /** One row per master: the mean of the measured steps after one warm-up step. */
    public static void run(BenchSize size, TrainBench.Settings s, List<String> masters, Consumer<BenchResult> sink) {
        int vocab = ModelAssets.load(s.tokenizer(), "auto", "", "").tokenizer().vocabSize();
        if (vocab > size.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + vocab + " ids, more than the " + size.label()
                    + " model's vocabulary");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("thinktune-bench-spark-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            RandomCheckpoint.write(size.config(), dir, 5, RandomCheckpoint.HUB_SHARD_BYTES, m -> { });
            for (String master : masters) {
                sink.accept(runOn(size, s, dir, master.strip()));
            }
        } finally {
            try {
                AtomicFiles.deleteRecursively(dir);
            } catch (IOException e) {
                System.err.println("could not remove " + dir + ": " + e.getMessage());
            }
        }
    }

    private static BenchResult runOn(BenchSize size, TrainBench.Settings s, Path dir, String master) {
        List<String> o = new ArrayList<>(List.of("mode=grpo", "model.path=" + dir,
                "model.tokenizer=" + s.tokenizer().toAbsolutePath(), "data.test=", "eval.questions=0",
                "rollout.n=" + s.n(), "rollout.max_new_tokens=" + s.newTokens(),
                "training.questions_per_step=" + s.questions(), "training.micro_batch_size=" + s.microBatch(),
                "training.steps=" + (s.steps() + 1), "objective.beta=0.001", "seed=1",
                "output_dir=" + dir.resolve("out"), "distributed.spark.master=" + master));
        if (s.loraR() > 0) {
            o.addAll(List.of("model.lora.r=" + s.loraR(), "model.lora.alpha=" + 2 * s.loraR()));
        }
        TrainConfig cfg = ConfigLoader.load(o);
        ModelAssets assets = ModelAssets.load(s.tokenizer(), "auto", "", "");
        List<Example> qs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            qs.add(new Example("q" + i, "Tom has " + (3 + i) + " apples and buys " + (i % 9 + 2)
                    + " more. How many apples does Tom have now?", "0", "", List.of(), Example.AnswerType.NUMBER));
        }
        ProcessStats.resetPeakRss();
        long t0 = System.nanoTime();
        boolean lora = cfg.model().lora() != null;
        ModelWeights w = lora ? HfCheckpoint.loadFrozen(dir) : HfCheckpoint.load(dir);
        LoraAdapters adapters = lora ? LoraAdapters.initialize(cfg.model().lora(), w.config(),
                Seeds.of(cfg.seed(), 0, Seeds.ADAPTERS)) : null;
        StudentModel policy = StudentModel.of(w, adapters);
        RolloutEngine.Options opts = RolloutEngine.Options.defaults();
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        try (RolloutEngine engine = lora ? RolloutEngine.create(dir, adapters, opts) : RolloutEngine.create(w, opts);
             SparkSteps spark = (SparkSteps) SparkSteps.open(cfg, policy, Guides::teacher, quiet)) {
            ThinkTuningTrainer trainer = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(policy,
                    new EngineSampler(engine), null, Guide.NONE, RewardFunction.from(cfg.reward()), assets.prompts(),
                    assets.prompts().stopIds(w.config().eosTokenIds()), qs), spark);
            double build = (System.nanoTime() - t0) / 1e9;
            TrainerState state = TrainerState.start(cfg.seed());
            Map<String, Double> mean = new LinkedHashMap<>();
            long broadcast = 0, gathered = 0;
            for (int step = 1; step <= s.steps() + 1; step++) {
                ThinkTuningTrainer.StepResult r = trainer.step(step, state);
                state = r.state();
                if (step > 1) {
                    r.metrics().forEach((k, v) -> mean.merge(k, v / s.steps(), Double::sum));
                    broadcast += spark.broadcastBytesLastStep();
                    gathered += spark.aggregatedBytesLastStep();
                }
                System.err.printf(Locale.ROOT, "bench train %s on %s: step %d/%d (%s), %.1f s%n", size.label(), master,
                        step, s.steps() + 1, step == 1 ? "warm-up" : "measured", r.metrics().get("step_seconds"));
            }
            double secs = mean.get("step_seconds");
            long generated = Math.round(mean.get("completion/length_mean") * s.questions() * s.n());
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("master", master);
            extra.put("partitions", spark.partitions());
            extra.put("broadcast_bytes_per_step", broadcast / s.steps());
            extra.put("gathered_bytes_per_step", gathered / s.steps());
            extra.put("trainable_parameters", policy.trainable().values().stream().mapToLong(a -> a.length()).sum());
            extra.put("tokens", generated);
            extra.put("sequences", s.questions() * s.n());
            extra.put("new_tokens", s.newTokens());
            extra.put("micro_batch", s.microBatch());
            extra.put("steps", s.steps());
            extra.put("rollout_s", mean.get("time/rollout"));
            extra.put("logprobs_s", mean.get("time/logprobs"));
            extra.put("update_s", mean.get("time/update"));
            extra.put("build_seconds", build);
            extra.put("lora_r", s.loraR());
            return new BenchResult(TrainBench.NAME, size.label(), s.questions() * s.n(), "step", generated / secs, secs,
                    ProcessStats.peakRssMb(), extra);
        }
    }
}
