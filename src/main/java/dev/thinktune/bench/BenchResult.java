package dev.thinktune.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark measurement; {@link #toJson()} gives the one-line form every {@code thinktune bench --json}
 * prints (fields bench, size, batch, mode, tokens_per_s, seconds, peak_rss_mb, then any extras).
 */
public record BenchResult(String bench, String size, int batch, String mode, double tokensPerSecond,
                          double seconds, double peakRssMb, Map<String, Object> extra) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public BenchResult {
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** This result with {@code more} added to its extras (a key already there takes the new value). */
    public BenchResult withExtra(Map<String, Object> more) {
        Map<String, Object> merged = new java.util.TreeMap<>(extra);
        merged.putAll(more);
        return new BenchResult(bench, size, batch, mode, tokensPerSecond, seconds, peakRssMb, merged);
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("bench", bench);
        o.put("size", size);
        o.put("batch", batch);
        o.put("mode", mode);
        o.put("tokens_per_s", round(tokensPerSecond));
        o.put("seconds", round(seconds));
        o.put("peak_rss_mb", round(peakRssMb));
        extra.forEach((k, v) -> o.set(k, JSON.valueToTree(v instanceof Double d ? round(d) : v)));
        return o.toString();
    }

    public String toText() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-9s %-6s batch %-3d %-18s %10.1f tokens/s  %8.3f s  peak RSS %7.0f MB",
                bench, size, batch, mode, tokensPerSecond, seconds, peakRssMb));
        extra.forEach((k, v) -> sb.append("  ").append(k).append(' ')
                .append(v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : v));
        return sb.toString();
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
