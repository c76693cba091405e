package dev.thinktune.cli;

import dev.thinktune.bench.BenchResult;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.function.Consumer;

/** The {@code --json} option of the bench commands, and printing each result as soon as it is measured. */
final class BenchOutput {
    @Option(names = "--json", description = "one JSON object per result line")
    boolean json;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** Prints a result as one JSON line or one text line, flushed. */
    Consumer<BenchResult> printer() {
        PrintWriter out = mixee.commandLine().getOut();
        return r -> {
            out.println(json ? r.toJson() : r.toText());
            out.flush();
        };
    }
}
