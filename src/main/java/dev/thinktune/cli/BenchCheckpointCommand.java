package dev.thinktune.cli;

import dev.thinktune.bench.BenchSize;
import dev.thinktune.bench.RandomCheckpoint;
import dev.thinktune.train.RunFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code thinktune bench checkpoint}: a seeded random-weight checkpoint of a benchmark size, as the hub has it. */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = {"Write a random-weight Hugging Face checkpoint of a benchmark size: config.json with the",
                "published values, bfloat16 safetensors (sharded with model.safetensors.index.json when larger",
                "than --max-shard-mb), and a byte-level BPE tokenizer of the model's vocabulary size."})
public final class BenchCheckpointCommand implements Callable<Integer> {

    @Option(names = "--size", required = true, description = "Model size: ${COMPLETION-CANDIDATES}.",
            converter = SizeConverter.class, completionCandidates = SizeLabels.class)
    BenchSize size;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory to write: new or empty, or with --overwrite a checkpoint directory to replace.")
    Path out;

    @Option(names = "--overwrite", description = "replace --out when it already holds a checkpoint (config.json)")
    boolean overwrite;

    @Option(names = "--seed", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--max-shard-mb", description = "Largest shard in MB (10^6 bytes); transformers' default"
            + " (default: ${DEFAULT-VALUE}).")
    long maxShardMb = RandomCheckpoint.HUB_SHARD_BYTES / 1_000_000;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The labels of {@link BenchSize}, for the help text. */
    static final class SizeLabels extends java.util.ArrayList<String> {
        SizeLabels() {
            for (BenchSize s : BenchSize.values()) {
                add(s.label());
            }
        }
    }

    /** A size by its label, refused with the valid labels. */
    static final class SizeConverter implements picocli.CommandLine.ITypeConverter<BenchSize> {
        @Override
        public BenchSize convert(String value) {
            return BenchSize.of(value);
        }
    }

    @Override
    public Integer call() {
        if (maxShardMb < 1) {
            throw new IllegalArgumentException("--max-shard-mb must be >= 1, got " + maxShardMb);
        }
        List<String> held = RunFolder.contents(out);
        if (!held.isEmpty() && !overwrite) {
            throw new IllegalArgumentException("--out " + out + " already holds " + RunFolder.summary(held)
                    + ": add --overwrite to replace a checkpoint there, or choose another --out");
        }
        if (!held.isEmpty() && !Files.isRegularFile(out.resolve("config.json"))) {
            throw new IllegalArgumentException("--overwrite replaces only a checkpoint directory (one with "
                    + "config.json), and " + out + " has none (" + RunFolder.summary(held)
                    + "): choose another --out");
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%s: %,d parameters, bfloat16, seed %d -> %s%n", size.label(),
                size.config().parameterCount(), seed, out);
        o.flush();
        RandomCheckpoint.Written w = RandomCheckpoint.write(size.config(), out, seed, maxShardMb * 1_000_000L, line -> {
            o.println("  " + line);
            o.flush();
        });
        o.printf(Locale.ROOT, "wrote %s: %d weight file(s), %.2f GB of tensors in %.1f s%n", w.dir(),
                w.weightFiles().size(), w.tensorBytes() / 1e9, w.seconds());
        o.flush();
        return 0;
    }
}
