package dev.thinktune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.data.Example;
import dev.thinktune.reward.MathEquivalence;
import dev.thinktune.reward.Verifier;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Scores completions written by any engine against benchmarks, with the verifier of {@link Evaluation} and the
 * same outputs ({@value Results#MARKDOWN}, {@value Results#CSV}, {@value Evaluation#COMPLETIONS}). The
 * completions file has one JSON object per line: {@code {"id": ..., "completion": ...}}, where {@code id} is the
 * question's id as {@code eval} writes it, or an integer, the question's position in the benchmark (counting from
 * 0, over the rows that parse). Optional fields, as in {@code eval}'s own completions.jsonl (which can be scored
 * again as it is): {@code benchmark} (required when several benchmarks are given), {@code strategy} (default
 * {@value #DEFAULT_STRATEGY}) and {@code seed} (default 0). A question without a completion counts as answered
 * wrongly, so accuracy stays a fraction of the whole benchmark; each such gap is reported.
 */
public final class CompletionScoring {

    public static final String DEFAULT_STRATEGY = "completions";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a scoring wrote, and how the comparisons went.
     *
     * @param report   the output directory and the scores
     * @param scored   completions scored
     * @param missing  questions of some strategy and seed that had no completion (counted wrong)
     * @param compared numeric and mathematical answers that were compared
     * @param symbolic of those, the ones decided by the symbolic path
     * @param seconds  time spent verifying
     */
    public record Outcome(Evaluation.Report report, int scored, int missing, int compared, int symbolic,
                          double seconds) {
        /** The share of compared answers that reached the symbolic path. */
        public double symbolicShare() {
            return compared == 0 ? 0 : symbolic / (double) compared;
        }
    }

    /** One line of the completions file, resolved to its question. */
    private record Entry(String strategy, long seed, int index, String completion) {
    }

    private final Verifier verifier;
    private final PrintStream log;

    public CompletionScoring(Verifier verifier, PrintStream log) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.log = Objects.requireNonNull(log, "log");
    }

    public Outcome score(List<Benchmark> benchmarks, Path completions, String title, Path out) {
        if (benchmarks.isEmpty()) {
            throw new IllegalArgumentException("at least one benchmark");
        }
        Map<String, Benchmark> byName = new LinkedHashMap<>();
        for (Benchmark b : benchmarks) {
            if (byName.put(b.name(), b) != null) {
                throw new IllegalArgumentException("two benchmarks are named " + b.name()
                        + "; label them as LABEL:FORMAT=PATH");
            }
        }
        Map<String, List<Entry>> entries = read(completions, byName);
        List<Score> scores = new ArrayList<>();
        int scored = 0;
        int missing = 0;
        int compared = 0;
        int symbolic = 0;
        long verifying = 0;
        try {
            Files.createDirectories(out);
            try (BufferedWriter jsonl = Files.newBufferedWriter(out.resolve(Evaluation.COMPLETIONS),
                    StandardCharsets.UTF_8)) {
                for (Benchmark b : benchmarks) {
                    Map<String, Map<Long, List<Entry>>> groups = new LinkedHashMap<>();
                    for (Entry e : entries.getOrDefault(b.name(), List.of())) {
                        groups.computeIfAbsent(e.strategy(), k -> new LinkedHashMap<>())
                                .computeIfAbsent(e.seed(), k -> new ArrayList<>()).add(e);
                    }
                    if (groups.isEmpty()) {
                        log.printf("%s: no completions in %s%n", b.name(), completions);
                    }
                    for (Map.Entry<String, Map<Long, List<Entry>>> g : groups.entrySet()) {
                        List<Long> seeds = new ArrayList<>(g.getValue().keySet());
                        List<Double> accuracy = new ArrayList<>();
                        List<Double> tokens = new ArrayList<>();
                        for (long seed : seeds) {
                            List<Entry> group = g.getValue().get(seed);
                            int correct = 0;
                            long t0 = System.nanoTime();
                            List<ObjectNode> lines = new ArrayList<>();
                            for (Entry e : group) {
                                Example ex = b.examples().get(e.index());
                                Verifier.Check c = verifier.check(ex, e.completion());
                                if (c.verification().correct()) {
                                    correct++;
                                }
                                if (c.path().isPresent()) {
                                    compared++;
                                    if (c.path().get() == MathEquivalence.Path.SYMBOLIC) {
                                        symbolic++;
                                    }
                                }
                                ObjectNode o = Evaluation.scored(b, g.getKey(), seed, e.index(), ex, "", e.completion(),
                                        c.verification());
                                o.put("tokens", 0);
                                o.put("waits", 0);
                                o.putArray("turns");
                                lines.add(o);
                            }
                            verifying += System.nanoTime() - t0;
                            for (ObjectNode o : lines) {
                                jsonl.write(JSON.writeValueAsString(o));
                                jsonl.newLine();
                            }
                            int gap = b.examples().size() - group.size();
                            if (gap > 0) {
                                log.printf("%s / %s / seed %d: %d of %d questions have no completion; counted wrong%n",
                                        b.name(), g.getKey(), seed, gap, b.examples().size());
                            }
                            missing += gap;
                            scored += group.size();
                            double acc = correct / (double) b.examples().size();
                            accuracy.add(acc);
                            tokens.add(0.0);
                            log.printf(Locale.ROOT, "%s / %s / seed %d: accuracy %.4f (%d/%d)%n", b.name(), g.getKey(),
                                    seed, acc, correct, b.examples().size());
                        }
                        scores.add(new Score(b.name(), b.format(), g.getKey(), b.examples().size(), seeds, accuracy,
                                tokens));
                    }
                }
            }
            if (scores.isEmpty()) {
                throw new IllegalArgumentException(completions + ": no completion belongs to "
                        + String.join(", ", byName.keySet()));
            }
            Results.writeCsv(scores, out.resolve(Results.CSV));
            Results.writeMarkdown(scores, title, List.of("Completions scored from " + completions
                    + "; generated tokens are not known (0)."), out.resolve(Results.MARKDOWN));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results under " + out, e);
        }
        return new Outcome(new Evaluation.Report(out, List.copyOf(scores)), scored, missing, compared, symbolic,
                verifying / 1e9);
    }

    /** The completions of each benchmark; every error names the file, the line and what would be valid. */
    private Map<String, List<Entry>> read(Path file, Map<String, Benchmark> benchmarks) {
        Map<String, List<Entry>> out = new HashMap<>();
        Map<String, Map<String, Integer>> idIndex = new HashMap<>();
        for (Benchmark b : benchmarks.values()) {
            Map<String, Integer> ids = new HashMap<>();
            for (int i = 0; i < b.examples().size(); i++) {
                ids.putIfAbsent(b.examples().get(i).id(), i);
            }
            idIndex.put(b.name(), ids);
        }
        Map<String, Integer> seen = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + lineNo;
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
                }
                if (n == null || !n.isObject()) {
                    throw new IllegalArgumentException(where + ": expected a JSON object {\"id\": ..., \"completion\": ...}");
                }
                JsonNode completion = n.get("completion");
                if (completion == null || !completion.isTextual()) {
                    throw new IllegalArgumentException(where + ": \"completion\" must be a string");
                }
                Benchmark b = benchmarkOf(n, benchmarks, where);
                int index = indexOf(n.get("id"), b, idIndex.get(b.name()), where);
                String strategy = n.hasNonNull("strategy") ? n.get("strategy").asText() : DEFAULT_STRATEGY;
                long seed = n.hasNonNull("seed") ? n.get("seed").asLong() : 0;
                String key = b.name() + "\u0000" + strategy + "\u0000" + seed + "\u0000" + index;
                Integer first = seen.putIfAbsent(key, lineNo);
                if (first != null) {
                    throw new IllegalArgumentException(where + ": question " + index + " (id "
                            + b.examples().get(index).id() + ") of " + b.name() + " already has a completion on line "
                            + first + " for strategy " + strategy + ", seed " + seed);
                }
                out.computeIfAbsent(b.name(), k -> new ArrayList<>())
                        .add(new Entry(strategy, seed, index, completion.asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read completions " + file, e);
        }
        return out;
    }

    private static Benchmark benchmarkOf(JsonNode n, Map<String, Benchmark> benchmarks, String where) {
        if (!n.hasNonNull("benchmark")) {
            if (benchmarks.size() == 1) {
                return benchmarks.values().iterator().next();
            }
            throw new IllegalArgumentException(where + ": no \"benchmark\"; with several benchmarks every line names"
                    + " one of: " + String.join(", ", benchmarks.keySet()));
        }
        String name = n.get("benchmark").asText();
        Benchmark b = benchmarks.get(name);
        if (b == null) {
            if (benchmarks.size() == 1) {
                return benchmarks.values().iterator().next(); // one benchmark: its label need not match
            }
            throw new IllegalArgumentException(where + ": benchmark \"" + name + "\" is not one of: "
                    + String.join(", ", benchmarks.keySet()));
        }
        return b;
    }

    private static int indexOf(JsonNode id, Benchmark b, Map<String, Integer> ids, String where) {
        if (id == null || id.isNull()) {
            throw new IllegalArgumentException(where + ": no \"id\" (the question's id as eval writes it, or its"
                    + " position in " + b.path() + " counting from 0)");
        }
        if (id.isIntegralNumber()) {
            long i = id.asLong();
            if (i < 0 || i >= b.examples().size()) {
                throw new IllegalArgumentException(where + ": id " + i + " is not a position in " + b.name()
                        + " (0 to " + (b.examples().size() - 1) + ")");
            }
            return (int) i;
        }
        Integer i = ids.get(id.asText());
        if (i == null) {
            String example = b.examples().get(0).id();
            throw new IllegalArgumentException(where + ": id \"" + id.asText() + "\" is not a question of " + b.name()
                    + " (ids look like \"" + example + "\"; or give the position, 0 to "
                    + (b.examples().size() - 1) + ")");
        }
        return i;
    }
}
