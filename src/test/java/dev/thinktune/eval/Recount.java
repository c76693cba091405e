package dev.thinktune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recounts an evaluation's completions.jsonl and checks results.csv and results.md against the recount. */
final class Recount {
    /** Per benchmark and strategy ("bench/strategy"), per seed: [answers, correct, tokens]. */
    final Map<String, Map<Long, long[]>> counts = new LinkedHashMap<>();
    final List<JsonNode> lines = new ArrayList<>();

    private Recount() {
    }

    static Recount of(Path dir) throws IOException {
        Recount r = new Recount();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve(Evaluation.COMPLETIONS), StandardCharsets.UTF_8)) {
            JsonNode n = json.readTree(line);
            r.lines.add(n);
            long[] c = r.counts.computeIfAbsent(n.get("benchmark").asText() + "/" + n.get("strategy").asText(),
                    k -> new LinkedHashMap<>()).computeIfAbsent(n.get("seed").asLong(), k -> new long[3]);
            c[0]++;
            c[1] += n.get("correct").asBoolean() ? 1 : 0;
            int turnTokens = 0;
            for (JsonNode t : n.get("turns")) {
                turnTokens += t.get("tokens").asInt();
            }
            assertEquals(n.get("tokens").asInt(), turnTokens, "a line's tokens are its turns' tokens");
            c[2] += turnTokens;
        }
        return r;
    }

    List<Double> accuracy(String key) {
        return counts.get(key).values().stream().map(c -> c[1] / (double) c[0]).toList();
    }

    List<Double> tokens(String key) {
        return counts.get(key).values().stream().map(c -> c[2] / (double) c[0]).toList();
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    static double std(List<Double> xs) {
        double m = mean(xs);
        return xs.size() < 2 ? 0 : Math.sqrt(xs.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (xs.size() - 1));
    }

    /** Checks every row of results.csv against the recount; returns the keys seen. */
    List<String> checkCsv(Path dir) throws IOException {
        List<String> keys = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(dir.resolve(Results.CSV), StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
            assertEquals(Results.CSV_HEADER, p.getHeaderNames());
            for (CSVRecord rec : p) {
                String key = rec.get("benchmark") + "/" + rec.get("strategy");
                keys.add(key);
                assertNotNull(counts.get(key), key);
                List<Double> acc = accuracy(key);
                List<Double> tok = tokens(key);
                assertEquals(counts.get(key).values().iterator().next()[0], Long.parseLong(rec.get("questions")));
                assertEquals(acc.size(), Integer.parseInt(rec.get("seeds")));
                assertEquals(mean(acc), Double.parseDouble(rec.get("accuracy_mean")), 1e-12, key);
                assertEquals(std(acc), Double.parseDouble(rec.get("accuracy_std")), 1e-12, key);
                assertEquals(mean(tok), Double.parseDouble(rec.get("tokens_mean")), 1e-9, key);
                String[] perSeed = rec.get("accuracy_per_seed").split(";");
                for (int i = 0; i < perSeed.length; i++) {
                    assertEquals(acc.get(i), Double.parseDouble(perSeed[i]), 1e-12);
                }
                assertEquals(new ArrayList<>(counts.get(key).keySet()).toString().replace(", ", ";")
                        .replace("[", "").replace("]", ""), rec.get("seed_values"));
            }
        }
        assertEquals(counts.keySet().size(), keys.size(), "one CSV row per benchmark and strategy");
        return keys;
    }

    private static final Pattern CELL = Pattern.compile("(-?\\d+\\.\\d+) ± (\\d+\\.\\d+)");

    /** Checks both Markdown tables (accuracy, tokens) against the recount, Average column included. */
    void checkMarkdown(Path dir) throws IOException {
        List<String> md = Files.readAllLines(dir.resolve(Results.MARKDOWN), StandardCharsets.UTF_8);
        int acc = indexOf(md, "## Accuracy");
        int tok = indexOf(md, "## Mean generated tokens");
        int checked = 0;
        for (int[] section : new int[][]{{acc, 0}, {tok, 1}}) {
            int at = section[0] + 2;
            List<String> header = cells(md.get(at));
            assertEquals("Strategy", header.get(0));
            List<String> benchmarks = new ArrayList<>();
            for (String h : header.subList(1, header.size())) {
                benchmarks.add(h.replaceAll(" \\(n=\\d+\\)$", ""));
            }
            for (int row = at + 2; row < md.size() && md.get(row).startsWith("|"); row++) {
                List<String> cells = cells(md.get(row));
                String strategy = cells.get(0);
                List<List<Double>> perBenchmark = new ArrayList<>();
                List<Double> tokenMeans = new ArrayList<>();
                for (int b = 0; b < benchmarks.size(); b++) {
                    String name = benchmarks.get(b);
                    String cell = cells.get(b + 1);
                    if (name.equals(Results.AVERAGE)) {
                        if (section[1] == 0) {
                            List<Double> seedMeans = new ArrayList<>();
                            for (int s = 0; s < perBenchmark.get(0).size(); s++) {
                                int seed = s;
                                seedMeans.add(perBenchmark.stream().mapToDouble(x -> x.get(seed)).average().orElseThrow());
                            }
                            checkCell(cell, seedMeans);
                        } else {
                            assertEquals(mean(tokenMeans), Double.parseDouble(cell), 0.05 + 1e-9);
                        }
                        checked++;
                        continue;
                    }
                    String key = name + "/" + strategy;
                    assertNotNull(counts.get(key), key);
                    if (section[1] == 0) {
                        checkCell(cell, accuracy(key));
                        perBenchmark.add(accuracy(key));
                    } else {
                        assertEquals(mean(tokens(key)), Double.parseDouble(cell), 0.05 + 1e-9, key);
                        tokenMeans.add(mean(tokens(key)));
                    }
                    checked++;
                }
            }
        }
        assertEquals(2 * counts.size() + (benchmarkCount() > 1 ? 2 * strategyCount() : 0), checked,
                "every cell of both tables checked");
    }

    private long benchmarkCount() {
        return counts.keySet().stream().map(k -> k.substring(0, k.indexOf('/'))).distinct().count();
    }

    private long strategyCount() {
        return counts.keySet().stream().map(k -> k.substring(k.indexOf('/') + 1)).distinct().count();
    }

    private static void checkCell(String cell, List<Double> accuracy) {
        Matcher m = CELL.matcher(cell);
        assertTrue(m.matches(), cell);
        assertEquals(100 * mean(accuracy), Double.parseDouble(m.group(1)), 0.005 + 1e-9, cell);
        assertEquals(100 * std(accuracy), Double.parseDouble(m.group(2)), 0.005 + 1e-9, cell);
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting " + prefix);
    }

    private static List<String> cells(String row) {
        assertFalse(row.isBlank());
        String inner = row.strip();
        inner = inner.substring(1, inner.length() - 1);
        List<String> out = new ArrayList<>();
        for (String c : inner.split("\\|")) {
            out.add(c.strip());
        }
        return out;
    }
}
