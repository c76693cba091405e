package dev.thinktune.cli;

import picocli.CommandLine.Command;

/** {@code thinktune bench}: benchmarks that print numbers (never timed tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: each prints one line per result, or one JSON object per line with --json.",
        subcommands = {BenchModelCommand.class, BenchTokenizerCommand.class, BenchRolloutCommand.class, BenchTrainCommand.class,
                BenchCheckpointCommand.class})
public final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
