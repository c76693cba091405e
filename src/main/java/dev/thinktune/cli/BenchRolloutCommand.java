package dev.thinktune.cli;

import dev.thinktune.bench.RolloutBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code thinktune bench rollout}: rollout throughput with and without the key/value cache, and PyTorch's. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = {"Rollout throughput (new tokens per second over all sequences) on random-weight students:",
                "the SameDiff graph recomputed every step (nocache), the rollout engine (cache), and the same",
                "workload in PyTorch eager with a KV cache (torch, when python3 can import torch). Real shapes",
                "run the engine from a bfloat16 checkpoint (bf16) against the machine's read bandwidth."})
public final class BenchRolloutCommand implements Callable<Integer> {

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    boolean json;

    @Option(names = "--sizes", split = ",", description = "Model sizes: tiny, small (float32 arrays), smollm2-135m,"
            + " smollm2-135m-v128k, llama-3.2-1b, llama-3.2-3b, qwen2.5-0.5b (from a bfloat16 checkpoint; default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--lora-r", paramLabel = "R", description = "Also carry random rank-R adapters on all seven"
            + " projections and measure every engine row with them (mode ...+loraR) and without them (switched off on"
            + " the same engine), alternating; 0 = none (default: ${DEFAULT-VALUE}).")
    int loraRank = 0;

    @Option(names = "--seed", description = "Weights, prompts and sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "For the real shapes: reuse DIR/<size> when it"
            + " is a checkpoint, else write it there (default: a temporary directory, deleted after).")
    java.nio.file.Path checkpoint;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public BenchRolloutCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RolloutBench.Settings s = new RolloutBench.Settings(sizes, batches, prompt, newTokens, repeats, threads,
                nocacheBudget, !noTorch, seed, checkpoint, loraRank);
        if (!json) {
            out.printf(Locale.ROOT, "rollout: prompt %d, %d new tokens per sequence (no early stop), temperature 1,"
                    + " %d threads, random weights%n", prompt, newTokens, s.effectiveThreads());
            out.flush();
        }
        RolloutBench.run(s, r -> {
            out.println(json ? r.toJson() : r.toText());
            out.flush();
        }, msg -> {
            (json ? err : out).println(msg);
            (json ? err : out).flush();
        });
        return 0;
    }
}
