package dev.thinktune.cli;

import dev.thinktune.eval.Benchmark;
import dev.thinktune.eval.CompletionScoring;
import dev.thinktune.eval.Score;
import dev.thinktune.reward.AnswerExtractor;
import dev.thinktune.reward.MathEquivalence;
import dev.thinktune.reward.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code thinktune eval score}: completions written by any engine (vLLM, another trainer) scored with eval's
 * verifier, extraction rules and report files.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score completions written elsewhere against benchmarks, with the verifier, answer"
                + " extraction and report files (results.md, results.csv, completions.jsonl) of `eval`.",
                "FILE.jsonl has one JSON object per line: {\"id\": ..., \"completion\": ...}; id is the question's"
                        + " id as eval writes it, or an integer, its position in the benchmark counting from 0."
                        + " Optional: benchmark (needed with several --benchmark), strategy, seed.",
                "Questions without a completion count as wrong. Prints a JSON row with the time spent verifying."})
public final class EvalScoreCommand implements Callable<Integer> {

    @Option(names = "--benchmark", required = true, paramLabel = "[LABEL:]FORMAT=PATH",
            description = "A benchmark file and its format, as for eval; repeatable.")
    List<String> benchmarks = new ArrayList<>();

    @Option(names = "--completions", required = true, paramLabel = "FILE.jsonl", description = "The completions to score.")
    Path completions;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/score-<timestamp>).")
    Path out;

    @Option(names = "--limit", description = "Keep the first N questions of each benchmark, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit = 0;

    @Option(names = "--data-seed", description = "Seed of the choice shuffle of GPQA, as given to eval (default: ${DEFAULT-VALUE}).")
    long dataSeed = 0;

    @Option(names = "--strict", description = "Explicit answers only (boxed, ####, \"the answer is\"); default: eval's"
            + " lenient extraction.")
    boolean strict;

    @Option(names = "--time-limit-ms", description = "Longest symbolic comparison of one answer, in ms (default: ${DEFAULT-VALUE}).")
    long timeLimitMillis = MathEquivalence.DEFAULT_TIME_LIMIT_MILLIS;

    @Override
    public Integer call() {
        PrintStream log = System.out;
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        }
        if (timeLimitMillis <= 0) {
            throw new IllegalArgumentException("--time-limit-ms must be > 0, got " + timeLimitMillis);
        }
        if (!Files.isRegularFile(completions)) {
            throw new IllegalArgumentException("--completions " + completions + ": no such file");
        }
        List<Benchmark> sets = new ArrayList<>();
        for (String b : benchmarks) {
            Benchmark set = Benchmark.Spec.parse(b).read(limit, dataSeed, log);
            log.printf("%s: %d questions from %s%n", set.name(), set.examples().size(), set.path());
            sets.add(set);
        }
        Verifier verifier = new Verifier(strict ? AnswerExtractor.STRICT : AnswerExtractor.LENIENT,
                new MathEquivalence(MathEquivalence.DEFAULT_REL_TOL, MathEquivalence.DEFAULT_ABS_TOL, timeLimitMillis));
        Path dir = out != null ? out : Path.of("runs", "score-" + LocalDateTime.now().format(
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        CompletionScoring.Outcome o = new CompletionScoring(verifier, log).score(sets, completions,
                "Scores of " + completions, dir);
        for (Score s : o.report().scores()) {
            log.printf(Locale.ROOT, "%-14s %-16s accuracy %6.2f ± %5.2f %%%n", s.benchmark(), s.strategy(),
                    100 * s.accuracyMean(), 100 * s.accuracyStd());
        }
        log.printf(Locale.ROOT, "{\"command\": \"eval score\", \"completions\": %d, \"missing\": %d,"
                        + " \"verify_seconds\": %.3f, \"compared\": %d, \"symbolic\": %d, \"symbolic_share\": %.4f}%n",
                o.scored(), o.missing(), o.seconds(), o.compared(), o.symbolic(), o.symbolicShare());
        log.println("results: " + o.report().markdown() + ", " + o.report().csv() + ", " + o.report().completions());
        log.flush();
        return 0;
    }
}
