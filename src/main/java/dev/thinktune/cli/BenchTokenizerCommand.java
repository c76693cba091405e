package dev.thinktune.cli;

import dev.thinktune.bench.TokenizerBench;
import dev.thinktune.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code thinktune bench tokenizer}: encode throughput on the GSM8K training file (a subcommand of the
 * {@code bench} command).
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Measure tokenizer encode throughput (MB/s of UTF-8 input, one thread) on a JSONL file's "
                + "strings.", "A warm-up pass comes first; the first pass on a fresh tokenizer is reported too."})
public class BenchTokenizerCommand implements Callable<Integer> {

    @Option(names = "--file", paramLabel = "PATH", description = "JSONL text (default: ${DEFAULT-VALUE})")
    Path file = TokenizerBench.DEFAULT_FILE;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.json, tokenizer.model or model directory (default: ${DEFAULT-VALUE})")
    Path tokenizer = TokenizerBench.DEFAULT_TOKENIZER;

    @Option(names = "--seconds", paramLabel = "S", description = "least measuring time (default: ${DEFAULT-VALUE})")
    double seconds = 3.0;

    @Option(names = "--warmup", paramLabel = "S", description = "least warm-up time (default: ${DEFAULT-VALUE})")
    double warmUp = 3.0;

    @Option(names = "--json", description = "print one JSON object per result")
    boolean json;

    public BenchTokenizerCommand() {
    }

    @Override
    public Integer call() {
        List<String> texts = TokenizerBench.readJsonlTexts(file);
        String size = file.equals(TokenizerBench.DEFAULT_FILE) ? "arith"
                : file.toString().contains("gsm8k") ? "gsm8k" : file.getFileName().toString();
        TokenizerBench.Result result = TokenizerBench.run(() -> Tokenizers.load(tokenizer), tokenizer.toString(), size,
                texts, warmUp, seconds);
        PrintWriter out = TokenizerCommand.stdout();
        out.println(json ? result.toJson() : result.toText());
        out.flush();
        return 0;
    }
}
