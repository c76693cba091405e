package dev.thinktune.cli;

import dev.thinktune.model.LayerActivations;

import dev.thinktune.bench.BenchSize;
import dev.thinktune.bench.TrainBench;
import picocli.CommandLine.Command;
import dev.thinktune.train.MemoryPlan;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code thinktune bench train}: one training step split into rollout, teacher, reward, log-prob and update time. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Seconds and tokens/s of each phase of a ThinkTuning step (n answers of fixed length per "
                + "question, a teacher continuation on one answer per group), averaged over the measured steps.",
                "The step row adds the resident memory after each step and whether it stayed flat (the last 10 "
                        + "steps within 5%% of the first 10). A size whose step cannot fit this machine is refused "
                        + "with its memory plan, before anything is built.",
                "The full-size run: --sizes smollm2-135m-v128k --new-tokens 256 --teacher-tokens 256 "
                        + "--micro-batch 2 --steps 20"})
public final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "small",
            description = "sizes, of: tiny, small, smollm2-135m, smollm2-135m-v128k, llama-3.2-1b, llama-3.2-3b, "
                    + "qwen2.5-0.5b "
                    + "(default ${DEFAULT-VALUE})")
    List<String> sizes;

    @Option(names = "--questions", defaultValue = "8", description = "questions per step (default ${DEFAULT-VALUE})")
    int questions;

    @Option(names = "--n", defaultValue = "8", description = "answers per question (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--new-tokens", defaultValue = "64", description = "tokens per answer (default ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--teacher-tokens", defaultValue = "32",
            description = "tokens the teacher appends to one answer per group (default ${DEFAULT-VALUE})")
    int teacherTokens;

    @Option(names = "--micro-batch", defaultValue = "16",
            description = "sequences per forward/backward pass of the update, training.micro_batch_size "
                    + "(default ${DEFAULT-VALUE})")
    int microBatch;

    @Option(names = "--steps", defaultValue = "2", description = "measured steps after one warm-up (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--lora-r", split = ",", defaultValue = "0",
            description = "train low-rank adapters of this rank (alpha 2r, all seven projections) instead of the "
                    + "weights; the random model is then written as a bfloat16 checkpoint in a temporary directory "
                    + "and loaded as a run loads it. Several ranks (0,16) run one after the other, 0 being full "
                    + "fine-tuning (default ${DEFAULT-VALUE})")
    List<Integer> loraRanks;

    @Option(names = "--tokenizer", defaultValue = "models/arith-tiny", description = "tokenizer for the prompts (default ${DEFAULT-VALUE})")
    Path tokenizer;

    @Option(names = "--recompute-layers",
            description = "keep only each layer's input for the backward pass and compute the layer again in its "
                    + "gradient, training.recompute_layers (full fine-tuning of Llama-style layers)")
    boolean recomputeLayers;

    @Option(names = "--spark", split = ",", paramLabel = "MASTER",
            description = "instead, GRPO steps scaled out on Spark, one row per master (local[1],local[2]: 1 and 2 "
                    + "executors), with the bytes broadcast and gathered per step; needs the build with -Pspark")
    List<String> sparkMasters;

    @Mixin
    BenchOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<BenchSize> chosen = sizes.stream().map(BenchSize::of).toList(); // an unknown size before any run
        int refused = 0;
        for (BenchSize s : chosen) {
            for (int r : loraRanks) {
                TrainBench.Settings settings = new TrainBench.Settings(questions, n, newTokens, teacherTokens,
                        microBatch, steps, tokenizer, r,
                        recomputeLayers ? LayerActivations.RECOMPUTED : LayerActivations.KEPT);
                try {
                    if (sparkMasters != null) {
                        sparkBench(s, settings);
                        continue;
                    }
                    TrainBench.run(s, settings, output.printer());
                } catch (MemoryPlan.DoesNotFit e) {
                    refused++;
                    spec.commandLine().getErr().println("bench train " + s.label() + (r > 0 ? " (adapters r = " + r
                            + ")" : "") + ": refused: " + e.getMessage());
                    spec.commandLine().getErr().flush();
                }
            }
        }
        return refused == 0 ? 0 : 1;
    }

    /** {@code dev.thinktune.distributed.SparkTrainBench}, present in the build with -Pspark. */
    private void sparkBench(BenchSize size, TrainBench.Settings settings) {
        java.lang.reflect.Method run;
        try {
            run = Class.forName("dev.thinktune.distributed.SparkTrainBench").getMethod("run", BenchSize.class,
                    TrainBench.Settings.class, List.class, java.util.function.Consumer.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("--spark needs the Spark build of thinktune: build with  mvn -Pspark "
                    + "-DskipTests package  (the default build leaves Spark out)");
        }
        try {
            run.invoke(null, size, settings, sparkMasters, output.printer());
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
