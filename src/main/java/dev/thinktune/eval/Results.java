package dev.thinktune.eval;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The results table of an evaluation, as Markdown and as CSV. */
public final class Results {
    public static final String MARKDOWN = "results.md";
    public static final String CSV = "results.csv";
    public static final String AVERAGE = "Average";
    /** The CSV's columns. */
    public static final List<String> CSV_HEADER = List.of("benchmark", "format", "strategy", "questions", "seeds",
            "accuracy_mean", "accuracy_std", "tokens_mean", "accuracy_per_seed", "tokens_per_seed", "seed_values");

    private Results() {
    }

    /** One row per benchmark and strategy; per-seed values joined with ';'. Accuracies are fractions. */
    static void writeCsv(List<Score> scores, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT)) {
            csv.printRecord(CSV_HEADER);
            for (Score s : scores) {
                csv.printRecord(s.benchmark(), s.format(), s.strategy(), s.questions(), s.seeds().size(),
                        s.accuracyMean(), s.accuracyStd(), s.tokensMean(), join(s.accuracy()), join(s.tokens()),
                        s.seeds().stream().map(String::valueOf).collect(Collectors.joining(";")));
            }
        }
    }

    /**
     * Two tables, strategies as rows and benchmarks as columns: accuracy in percent as "mean ± std" over seeds,
     * then mean generated tokens per question. With more than one benchmark an {@value #AVERAGE} column gives the
     * mean over benchmarks (its ± is the spread over seeds of each seed's mean over benchmarks).
     */
    static void writeMarkdown(List<Score> scores, String title, List<String> notes, Path file) throws IOException {
        List<String> benchmarks = new ArrayList<>(scores.stream().map(Score::benchmark)
                .collect(Collectors.toCollection(LinkedHashSet::new)));
        List<String> strategies = new ArrayList<>(scores.stream().map(Score::strategy)
                .collect(Collectors.toCollection(LinkedHashSet::new)));
        boolean average = benchmarks.size() > 1;
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title.isBlank() ? "Evaluation" : title).append("\n\n");
        for (String n : notes) {
            md.append("- ").append(n).append('\n');
        }
        if (!notes.isEmpty()) {
            md.append('\n');
        }
        md.append("## Accuracy (%), mean ± std over seeds\n\n");
        header(md, benchmarks, scores, average);
        for (String strategy : strategies) {
            md.append("| ").append(strategy);
            List<List<Double>> perBenchmark = new ArrayList<>();
            for (String b : benchmarks) {
                Optional<Score> s = find(scores, b, strategy);
                md.append(" | ").append(s.map(x -> pct(x.accuracyMean(), x.accuracyStd())).orElse("–"));
                s.ifPresent(x -> perBenchmark.add(x.accuracy()));
            }
            if (average) {
                md.append(" | ").append(perBenchmark.size() == benchmarks.size()
                        ? pct(Score.mean(seedMeans(perBenchmark)), Score.std(seedMeans(perBenchmark))) : "–");
            }
            md.append(" |\n");
        }
        md.append("\n## Mean generated tokens per question (all turns)\n\n");
        header(md, benchmarks, scores, average);
        for (String strategy : strategies) {
            md.append("| ").append(strategy);
            List<Double> means = new ArrayList<>();
            for (String b : benchmarks) {
                Optional<Score> s = find(scores, b, strategy);
                md.append(" | ").append(s.map(x -> String.format(Locale.ROOT, "%.1f", x.tokensMean())).orElse("–"));
                s.ifPresent(x -> means.add(x.tokensMean()));
            }
            if (average) {
                md.append(" | ").append(means.size() == benchmarks.size()
                        ? String.format(Locale.ROOT, "%.1f", Score.mean(means)) : "–");
            }
            md.append(" |\n");
        }
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    }

    private static void header(StringBuilder md, List<String> benchmarks, List<Score> scores, boolean average) {
        md.append("| Strategy");
        for (String b : benchmarks) {
            int n = scores.stream().filter(s -> s.benchmark().equals(b)).mapToInt(Score::questions).findFirst()
                    .orElse(0);
            md.append(" | ").append(b).append(" (n=").append(n).append(')');
        }
        if (average) {
            md.append(" | ").append(AVERAGE);
        }
        md.append(" |\n|---");
        md.append("|---:".repeat(benchmarks.size() + (average ? 1 : 0)));
        md.append("|\n");
    }

    /** For each seed, the mean over benchmarks. */
    private static List<Double> seedMeans(List<List<Double>> perBenchmark) {
        List<Double> out = new ArrayList<>();
        for (int seed = 0; seed < perBenchmark.get(0).size(); seed++) {
            double sum = 0;
            for (List<Double> b : perBenchmark) {
                sum += b.get(seed);
            }
            out.add(sum / perBenchmark.size());
        }
        return out;
    }

    private static Optional<Score> find(List<Score> scores, String benchmark, String strategy) {
        return scores.stream().filter(s -> s.benchmark().equals(benchmark) && s.strategy().equals(strategy))
                .findFirst();
    }

    private static String pct(double mean, double std) {
        return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * mean, 100 * std);
    }

    private static String join(List<Double> xs) {
        return xs.stream().map(String::valueOf).collect(Collectors.joining(";"));
    }
}
