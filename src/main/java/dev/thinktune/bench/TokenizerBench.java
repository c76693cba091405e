package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Encode throughput of a tokenizer on real text, on one thread: megabytes of UTF-8 input per second and tokens
 * per second. The first pass runs on a freshly loaded tokenizer (empty word cache, code not yet compiled:
 * "cold"); after a warm-up (3 passes and 3 s by default: the JIT needs a few passes on a busy machine), passes
 * are repeated for at least the given time and the total is reported (steady state, as in training).
 */
public final class TokenizerBench {

    /** The embedded synthetic training set (GSM8K's format); give a real GSM8K file with {@code --file}. */
    public static final Path DEFAULT_FILE = Path.of("data/arith/train.jsonl");
    /** The embedded student's tokenizer; give a Llama 3 {@code tokenizer.json} with {@code --tokenizer}. */
    public static final Path DEFAULT_TOKENIZER = Path.of("models/arith-tiny");

    /**
     * One measurement.
     *
     * @param bench        "tokenizer"
     * @param size         the text's name ("gsm8k")
     * @param batch        texts encoded per call (1)
     * @param mode         "encode"
     * @param tokensPerS   tokens produced per second
     * @param seconds      time of the measured passes
     * @param peakRssMb    the process's peak resident memory (VmHWM)
     * @param mbPerS       UTF-8 input megabytes (10^6 bytes) per second
     * @param coldMbPerS   the same for the first pass on a fresh tokenizer
     * @param bytes        UTF-8 bytes of one pass
     * @param tokens       tokens of one pass
     * @param passes       measured passes
     * @param tokenizer    what was measured
     */
    public record Result(String bench, String size, int batch, String mode, double tokensPerS, double seconds,
                         double peakRssMb, double mbPerS, double coldMbPerS, long bytes, long tokens, int passes,
                         String tokenizer) {

        /** One JSON object, snake_case keys. */
        public String toJson() {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("bench", bench);
            o.put("size", size);
            o.put("batch", batch);
            o.put("mode", mode);
            o.put("tokens_per_s", Math.round(tokensPerS));
            o.put("seconds", round(seconds, 3));
            o.put("peak_rss_mb", round(peakRssMb, 1));
            o.put("mb_per_s", round(mbPerS, 2));
            o.put("cold_mb_per_s", round(coldMbPerS, 2));
            o.put("bytes", bytes);
            o.put("tokens", tokens);
            o.put("passes", passes);
            o.put("tokenizer", tokenizer);
            return o.toString();
        }

        /** One human-readable line. */
        public String toText() {
            return String.format(Locale.ROOT, "tokenizer encode on %s: %.2f MB/s (%.0f tokens/s; first pass %.2f MB/s)"
                            + ", %d passes of %.2f MB / %d tokens in %.2f s, peak RSS %.0f MB [%s]", size, mbPerS,
                    tokensPerS, coldMbPerS, passes, bytes / 1e6, tokens, seconds, peakRssMb, tokenizer);
        }

        private static double round(double v, int digits) {
            double scale = Math.pow(10, digits);
            return Math.round(v * scale) / scale;
        }
    }

    private TokenizerBench() {
    }

    /** The question and answer strings of a GSM8K-style JSONL file (every string value of each line). */
    public static List<String> readJsonlTexts(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read benchmark text " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(lines.get(i));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not valid JSON: " + e.getMessage());
            }
            node.fields().forEachRemaining(f -> {
                if (f.getValue().isTextual()) {
                    texts.add(f.getValue().asText());
                }
            });
        }
        return texts;
    }

    /**
     * Measures encoding of {@code texts} (without special tokens).
     *
     * @param freshTokenizer loads a new tokenizer (the first pass runs on it with an empty cache)
     * @param warmUpSeconds  the least warm-up time (with at least 3 passes when positive)
     * @param minSeconds     the least time the measured passes take together (at least 2 passes)
     */
    public static Result run(Supplier<Tokenizer> freshTokenizer, String tokenizerName, String size, List<String> texts,
                             double warmUpSeconds, double minSeconds) {
        long bytes = 0;
        for (String t : texts) {
            bytes += t.getBytes(StandardCharsets.UTF_8).length;
        }
        Tokenizer tokenizer = freshTokenizer.get();
        long start = System.nanoTime();
        long tokens = encodeAll(tokenizer, texts);
        double coldSeconds = (System.nanoTime() - start) / 1e9;
        // warm-up: let the JIT compile the hot paths (on a busy machine that takes a few passes)
        long warmUntil = System.nanoTime() + (long) (warmUpSeconds * 1e9);
        int warmPasses = 0;
        while (warmUpSeconds > 0 && (warmPasses < 3 || System.nanoTime() < warmUntil)) {
            encodeAll(tokenizer, texts);
            warmPasses++;
        }

        int passes = 0;
        long measuredTokens = 0;
        start = System.nanoTime();
        double seconds;
        do {
            measuredTokens += encodeAll(tokenizer, texts);
            passes++;
            seconds = (System.nanoTime() - start) / 1e9;
        } while (passes < 2 || seconds < minSeconds);
        if (measuredTokens != tokens * passes) {
            throw new IllegalStateException("encoding is not deterministic: " + measuredTokens + " tokens in "
                    + passes + " passes, first pass gave " + tokens);
        }
        return new Result("tokenizer", size, 1, "encode", measuredTokens / seconds, seconds, peakRssMb(),
                bytes * (double) passes / 1e6 / seconds, bytes / 1e6 / coldSeconds, bytes, tokens, passes, tokenizerName);
    }

    private static long encodeAll(Tokenizer tokenizer, List<String> texts) {
        long n = 0;
        for (String t : texts) {
            n += tokenizer.encode(t, false).length;
        }
        return n;
    }

    /** VmHWM of /proc/self/status in MB, or NaN where there is no /proc. */
    public static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
