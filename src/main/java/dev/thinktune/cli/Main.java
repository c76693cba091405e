package dev.thinktune.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code thinktune} command line: one subcommand per job. */
@Command(name = "thinktune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "ThinkTuning on the JVM: GRPO with a teacher in the loop, for Llama-style students.",
        subcommands = {
                CommandLine.HelpCommand.class,
                InspectCommand.class,
                ScoreCommand.class,
                BenchCommand.class,
                DataCommand.class,
                TokenizerCommand.class,
                GenerateCommand.class,
                MergeCommand.class,
                PretrainCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                UiCommand.class,
                ServeCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
