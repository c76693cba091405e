package dev.thinktune.cli;

import dev.thinktune.model.LayerActivations;

import dev.thinktune.bench.BenchSize;
import dev.thinktune.bench.ModelBench;
import picocli.CommandLine.Command;
import dev.thinktune.train.MemoryPlan;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code thinktune bench model}: forward and training-step throughput of the SameDiff student. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = {"Forward and forward+backward+update tokens/s and peak memory on random weights, and the same "
                + "in PyTorch (mode torch) when python3 imports torch.",
                "peak_rss_mb is the peak resident memory of each size's forward phase and of its training phase "
                        + "(with the soak) on their own; build_seconds the time to build the weights and graph.",
                "A size whose training step cannot fit this machine is refused with its memory plan, before "
                        + "anything is built."})
public final class BenchModelCommand implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "tiny,small",
            description = "sizes, of: tiny, small, smollm2-135m, smollm2-135m-v128k, llama-3.2-1b, llama-3.2-3b, "
                    + "qwen2.5-0.5b "
                    + "(default ${DEFAULT-VALUE})")
    List<String> sizes;

    @Option(names = "--warmup", defaultValue = "10",
            description = "untimed passes before each timed phase, at least (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "10",
            description = "and at least this many seconds of them, then more until the JIT compiler is quiet (the "
                    + "passes of the last second, at least 3, spent at most 5%% of their time compiling; 60 s at "
                    + "most): HotSpot compiles the graph's Java kernels (Vector API) and SameDiff's code over many "
                    + "passes, and the rows are meant to show what the rest of a run sees (tiny forward: 50-160 ms a "
                    + "pass while the compiler works, 18-25 ms after). Each row's warmup_passes says how many ran; "
                    + "0: exactly --warmup passes (default ${DEFAULT-VALUE})")
    double warmupSeconds;

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

    @Option(names = "--no-torch", description = "skip the PyTorch rows")
    boolean noTorch;

    @Option(names = "--op-profile", description = "after the timed runs, one more forward pass and training step "
            + "with every graph op timed: rows of mode op_profile listing each op kind's calls and seconds")
    boolean opProfile;

    @Option(names = "--recompute-layers", description = "the training step keeps only each layer's input for the "
            + "backward pass and computes the layer again in its gradient (training.recompute_layers)")
    boolean recomputeLayers;

    @Mixin
    BenchOutput output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<BenchSize> chosen = sizes.stream().map(BenchSize::of).toList(); // an unknown size before any run
        ModelBench bench = new ModelBench(warmup, warmupSeconds, iterations, soakSteps, microBatch, !noTorch, opProfile,
                recomputeLayers ? LayerActivations.RECOMPUTED : LayerActivations.KEPT);
        int refused = 0;
        for (BenchSize s : chosen) {
            try {
                bench.run(s, output.printer());
            } catch (MemoryPlan.DoesNotFit e) {
                refused++;
                spec.commandLine().getErr().println("bench model " + s.label() + ": refused: " + e.getMessage());
                spec.commandLine().getErr().flush();
            }
        }
        return refused == 0 ? 0 : 1;
    }
}
