package dev.thinktune.cli;

import dev.thinktune.bench.BenchSize;
import dev.thinktune.bench.TrainBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code thinktune bench train}: one training step split into rollout, teacher, reward, log-prob and update time. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Seconds and tokens/s of each phase of a ThinkTuning step (n answers of fixed length per question).")
public final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "small", description = "sizes: ${DEFAULT-VALUE}")
    List<String> sizes;

    @Option(names = "--questions", defaultValue = "8", description = "questions per step (default ${DEFAULT-VALUE})")
    int questions;

    @Option(names = "--n", defaultValue = "8", description = "answers per question (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--new-tokens", defaultValue = "64", description = "tokens per answer (default ${DEFAULT-VALUE})")
    int newTokens;

    @Option(names = "--steps", defaultValue = "2", description = "measured steps after one warm-up (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--tokenizer", defaultValue = "models/arith-tiny", description = "tokenizer for the prompts (default ${DEFAULT-VALUE})")
    Path tokenizer;

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() {
        for (String s : sizes) {
            TrainBench.run(BenchSize.of(s), new TrainBench.Settings(questions, n, newTokens, 32, steps, tokenizer),
                    output.printer());
        }
        return 0;
    }
}
