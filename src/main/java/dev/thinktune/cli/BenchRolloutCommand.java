package dev.thinktune.cli;

import dev.thinktune.bench.RolloutBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code thinktune bench rollout}: rollout throughput with and without the key/value cache, and PyTorch's. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = {"Rollout throughput (new tokens per second over all sequences) on random-weight students:",
                "the SameDiff graph recomputed every step (nocache), the rollout engine (cache), and the same",
                "workload in PyTorch eager with a KV cache (torch, when python3 can import torch)."})
public final class BenchRolloutCommand implements Callable<Integer> {

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--sizes", split = ",", description = "Model sizes: tiny, small (default: ${DEFAULT-VALUE}).")
    List<String> sizes = List.of("tiny", "small");

    @Option(names = "--batches", split = ",", description = "Sequences per run (default: ${DEFAULT-VALUE}).")
    List<Integer> batches = List.of(8, 64);

    @Option(names = "--prompt", description = "Prompt tokens per sequence (default: ${DEFAULT-VALUE}).")
    int prompt = 32;

    @Option(names = "--new-tokens", description = "New tokens per sequence, no early stop (default: ${DEFAULT-VALUE}).")
    int newTokens = 64;

    @Option(names = "--repeats", description = "Timed runs per row; the fastest is reported (default: ${DEFAULT-VALUE}).")
    int repeats = 3;

    @Option(names = "--threads", description = "Decoder and torch threads, 0 = all processors (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Option(names = "--nocache-budget", description = "Seconds a no-cache row is timed before the rest is"
            + " extrapolated (default: ${DEFAULT-VALUE}).")
    double nocacheBudget = 20.0;

    @Option(names = "--no-torch", description = "Skip the PyTorch rows.")
    boolean noTorch;

    @Option(names = "--seed", description = "Weights, prompts and sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    public BenchRolloutCommand() {
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        RolloutBench.Settings s = new RolloutBench.Settings(sizes, batches, prompt, newTokens, repeats, threads,
                nocacheBudget, !noTorch, seed);
        if (!json) {
            out.printf(Locale.ROOT, "rollout: prompt %d, %d new tokens per sequence (no early stop), temperature 1,"
                    + " %d threads, random weights, LM head tied to the embedding%n", prompt, newTokens,
                    s.effectiveThreads());
            out.printf(Locale.ROOT, "%-6s %6s %-8s %10s %9s %9s %8s  %s%n", "size", "batch", "mode", "tokens/s",
                    "seconds", "median", "peak MB", "note");
        }
        RolloutBench.run(s, r -> {
            if (json) {
                out.println(r.toJson());
            } else {
                out.printf(Locale.ROOT, "%-6s %6d %-8s %10.1f %9.3f %9.3f %8.0f  %s%n", r.size(), r.batch(), r.mode(),
                        r.tokensPerS(), r.seconds(), r.medianSeconds(), r.peakRssMb(),
                        r.note() == null ? "" : r.note());
            }
            out.flush();
        }, msg -> (json ? System.err : out).println(msg));
        return 0;
    }
}
