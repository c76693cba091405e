package dev.thinktune.report;

import dev.thinktune.model.AtomicFiles;
import dev.thinktune.train.MetricsLog;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of one or more training runs: accuracy before and after on the held-out split, the last step's
 * metrics, and PNG charts of reward, accuracy, KL (and any extra metric asked for) against steps, in
 * {@code report.md} beside the charts.
 */
public final class RunReport {
    /** One run to report: its name, metrics CSV, and held-out accuracy before and after (NaN when not measured). */
    public record Run(String name, Path metricsCsv, double accuracyBefore, double accuracyAfter) {
    }

    private static final List<String[]> CHARTS = List.of(
            new String[]{"reward/mean", "reward", "Mean reward per step"},
            new String[]{"accuracy", "accuracy", "Accuracy of the student's own samples"},
            new String[]{"kl", "kl", "KL to the reference (k3)"});

    private RunReport() {
    }

    /** Writes the report and charts into {@code dir}; {@code extraMetrics} get a chart each. Returns report.md. */
    public static Path write(Path dir, String title, List<Run> runs, List<String> extraMetrics) {
        Map<String, List<Map<String, Double>>> rows = new LinkedHashMap<>();
        for (Run r : runs) {
            rows.put(r.name(), MetricsLog.read(r.metricsCsv()));
        }
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        md.append("| run | steps | held-out accuracy before | after | last reward | last KL |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            List<Map<String, Double>> rr = rows.get(r.name());
            Map<String, Double> last = rr.isEmpty() ? Map.of() : rr.get(rr.size() - 1);
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", r.name(), rr.size(),
                    pct(r.accuracyBefore()), pct(r.accuracyAfter()), num(last.get("reward/mean")), num(last.get("kl"))));
        }
        md.append('\n');
        List<String[]> charts = new ArrayList<>(CHARTS);
        for (String m : extraMetrics) {
            charts.add(new String[]{m, m.replaceAll("[^A-Za-z0-9]+", "_"), m + " per step"});
        }
        for (String[] c : charts) {
            String file = c[1] + ".png";
            if (Charts.line(dir.resolve(file), c[2], c[0], rows)) {
                md.append("![").append(c[2]).append("](").append(file).append(")\n\n");
            }
        }
        Path report = dir.resolve("report.md");
        AtomicFiles.writeString(report, md.toString());
        return report;
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String num(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
