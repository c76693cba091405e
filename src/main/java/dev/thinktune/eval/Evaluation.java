package dev.thinktune.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.data.Example;
import dev.thinktune.reward.Verification;
import dev.thinktune.reward.Verifier;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The evaluation harness: every benchmark under every strategy and every seed, each seed's questions answered in
 * batches through the generator; writes into the output directory
 * <ul>
 *   <li>{@value Results#MARKDOWN}: accuracy (mean ± standard deviation over seeds) and mean generated tokens, one
 *       row per strategy and one column per benchmark, as in the paper's table;</li>
 *   <li>{@value Results#CSV}: the same numbers, one row per benchmark and strategy, with each seed's value;</li>
 *   <li>{@value #COMPLETIONS}: one JSON line per answered question and seed: benchmark, strategy, seed, every
 *       turn's prompt and completion, the scored response, the extracted answer and the verdict.</li>
 * </ul>
 * With temperature 0 (greedy) the seeds change nothing: every seed gives the same answers and the standard
 * deviation is 0. The questions are then answered once and that answer is reported (and written) under every
 * seed.
 */
public final class Evaluation {
    public static final String COMPLETIONS = "completions.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param strategies the strategies to run, in the table's row order
     * @param seeds      the sampling seeds; each is one full pass over every benchmark and strategy
     * @param verifier   extracts and checks final answers
     * @param title      the heading of the Markdown report (e.g. the model)
     * @param notes      lines under the heading (the settings of the run)
     */
    public record Options(List<Strategy> strategies, List<Long> seeds, Verifier verifier, String title,
                          List<String> notes) {
        public Options {
            strategies = List.copyOf(strategies);
            seeds = List.copyOf(seeds);
            Objects.requireNonNull(verifier, "verifier");
            title = title == null ? "" : title;
            notes = notes == null ? List.of() : List.copyOf(notes);
            if (strategies.isEmpty()) {
                throw new IllegalArgumentException("at least one strategy");
            }
            if (seeds.isEmpty()) {
                throw new IllegalArgumentException("at least one seed");
            }
            if (strategies.stream().map(Strategy::name).distinct().count() != strategies.size()) {
                throw new IllegalArgumentException("a strategy is listed twice");
            }
        }
    }

    /** What a run wrote: its directory, its scores and its files. */
    public record Report(Path directory, List<Score> scores) {
        public Path markdown() {
            return directory.resolve(Results.MARKDOWN);
        }

        public Path csv() {
            return directory.resolve(Results.CSV);
        }

        public Path completions() {
            return directory.resolve(COMPLETIONS);
        }
    }

    private final EvalContext context;
    private final Options options;
    private final PrintStream log;

    /** @param context the model and sampling; its seed is replaced by each of the options' seeds */
    public Evaluation(EvalContext context, Options options, PrintStream log) {
        this.context = context;
        this.options = options;
        this.log = log;
    }

    public Report run(List<Benchmark> benchmarks, Path out) {
        if (benchmarks.isEmpty()) {
            throw new IllegalArgumentException("at least one benchmark");
        }
        if (benchmarks.stream().map(Benchmark::name).distinct().count() != benchmarks.size()) {
            throw new IllegalArgumentException("two benchmarks have the same name; label them as LABEL:FORMAT=PATH");
        }
        List<Score> scores = new ArrayList<>();
        try {
            Files.createDirectories(out);
            try (BufferedWriter jsonl = Files.newBufferedWriter(out.resolve(COMPLETIONS), StandardCharsets.UTF_8)) {
                for (Benchmark b : benchmarks) {
                    for (Strategy s : options.strategies()) {
                        scores.add(score(b, s, jsonl));
                    }
                }
            }
            Results.writeCsv(scores, out.resolve(Results.CSV));
            Results.writeMarkdown(scores, options.title(), options.notes(), out.resolve(Results.MARKDOWN));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results under " + out, e);
        }
        return new Report(out, List.copyOf(scores));
    }

    private Score score(Benchmark b, Strategy s, BufferedWriter jsonl) throws IOException {
        List<Double> accuracy = new ArrayList<>();
        List<Double> tokens = new ArrayList<>();
        boolean greedy = context.params().temperature() == 0;
        List<Transcript> greedyAnswers = null;
        for (long seed : options.seeds()) {
            long t0 = System.nanoTime();
            List<Transcript> answers;
            if (greedy && greedyAnswers != null) {
                answers = greedyAnswers;
            } else {
                answers = s.answer(b.examples(), context.withSeed(seed));
                greedyAnswers = greedy ? answers : null;
            }
            int correct = 0;
            long generated = 0;
            for (Transcript t : answers) {
                Verification v = options.verifier().verify(t.example(), t.answerText());
                if (v.correct()) {
                    correct++;
                }
                generated += t.tokens();
                jsonl.write(JSON.writeValueAsString(record(b, s, seed, t, v)));
                jsonl.newLine();
            }
            jsonl.flush();
            double acc = correct / (double) answers.size();
            double len = generated / (double) answers.size();
            accuracy.add(acc);
            tokens.add(len);
            log.printf(Locale.ROOT, "%s / %s / seed %d: accuracy %.4f (%d/%d), mean %.1f tokens, %.1f s%n", b.name(),
                    s.name(), seed, acc, correct, answers.size(), len, (System.nanoTime() - t0) / 1e9);
        }
        return new Score(b.name(), b.format(), s.name(), b.examples().size(), options.seeds(), accuracy, tokens);
    }

    private static ObjectNode record(Benchmark b, Strategy s, long seed, Transcript t, Verification v) {
        ObjectNode o = scored(b, s.name(), seed, t.index(), t.example(), t.turns().get(0).prompt(), t.answerText(), v);
        o.put("tokens", t.tokens());
        o.put("waits", t.waits());
        ArrayNode turns = o.putArray("turns");
        for (Transcript.Turn turn : t.turns()) {
            ObjectNode n = turns.addObject();
            n.put("prompt", turn.prompt());
            n.put("completion", turn.completion());
            n.put("tokens", turn.tokens());
            n.put("finish", turn.finish().name().toLowerCase(Locale.ROOT));
        }
        return o;
    }

    /** The fields of a {@value #COMPLETIONS} line that every scored completion has, whoever wrote it. */
    static ObjectNode scored(Benchmark b, String strategy, long seed, int index, Example example, String prompt,
                             String completion, Verification v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("benchmark", b.name());
        o.put("format", b.format());
        o.put("strategy", strategy);
        o.put("seed", seed);
        o.put("index", index);
        o.put("id", example.id());
        o.put("prompt", prompt);
        o.put("completion", completion);
        o.put("extracted", v.extracted().orElse(null));
        o.put("reference", example.answer());
        o.put("correct", v.correct());
        return o;
    }
}
