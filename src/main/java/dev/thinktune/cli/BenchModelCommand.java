package dev.thinktune.cli;

import dev.thinktune.bench.BenchSize;
import dev.thinktune.bench.ModelBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code thinktune bench model}: forward and training-step throughput of the SameDiff student. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = {"Forward and forward+backward+update tokens/s and peak memory, tiny and small sizes.",
                "peak_rss_mb is the peak resident memory of each size's forward phase and of its training phase "
                        + "(with the soak) on their own."})
public final class BenchModelCommand implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "tiny,small", description = "sizes: ${DEFAULT-VALUE}")
    List<String> sizes;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed iterations (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", description = "timed iterations; the median is reported (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--soak-steps", defaultValue = "0",
            description = "after the timed steps, run this many training steps and report resident memory after the "
                    + "first tenth and its growth since (0: no soak; default ${DEFAULT-VALUE})")
    int soakSteps;

    @Option(names = "--micro-batch", defaultValue = "0",
            description = "sequences per forward/backward pass of a training step, gradients accumulated over the "
                    + "batch, as the trainers' training.micro_batch_size does (0: the whole batch; default ${DEFAULT-VALUE})")
    int microBatch;

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() {
        ModelBench bench = new ModelBench(warmup, iterations, soakSteps, microBatch);
        for (String s : sizes) {
            bench.run(BenchSize.of(s), output.printer());
        }
        return 0;
    }
}
