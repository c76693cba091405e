package dev.thinktune.report;

import dev.thinktune.eval.AccuracyEvaluator;

import dev.thinktune.model.AtomicFiles;
import dev.thinktune.train.MetricsLog;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The report of one or more training runs, in {@code report.md} beside its charts: held-out accuracy before and
 * after, the last step's metrics, the settings that matter, how much guidance the teacher actually gave, links to
 * each run's files, and PNG charts of reward, sampled accuracy, KL, held-out accuracy (and any extra metric asked
 * for) against steps, with the end of guidance marked.
 */
public final class RunReport {
    /**
     * One run to report.
     *
     * @param name           its name in tables and legends
     * @param config         the run's config
     * @param metricsCsv     its metrics, in its output directory (beside {@code samples.jsonl})
     * @param accuracyBefore held-out accuracy before training (NaN when not measured)
     * @param accuracyAfter  held-out accuracy after training (NaN when not measured)
     */
    public record Run(String name, TrainConfig config, Path metricsCsv, double accuracyBefore, double accuracyAfter) {
        Path dir() {
            return metricsCsv.toAbsolutePath().getParent();
        }

        /** The number of guided steps, 0 for a run without guidance. */
        int guidedSteps() {
            return config.usesGuidance() ? Math.min(config.guidance().k(), config.training().steps()) : 0;
        }

        /** Whether guidance ends before the run does. */
        boolean guidanceEnds() {
            return guidedSteps() > 0 && guidedSteps() < config.training().steps();
        }
    }

    private static final List<String[]> CHARTS = List.of(
            new String[]{"reward/mean", "reward", "Mean reward per step"},
            new String[]{"accuracy", "accuracy", "Accuracy of the student's own samples"},
            new String[]{"kl", "kl", "KL to the reference (k3)"});
    private static final String HELD_OUT = "held-out accuracy";

    private RunReport() {
    }

    /** The title of a single run's report: what kind of run it is and where it wrote. */
    public static String title(TrainConfig cfg) {
        return modeName(cfg.mode()) + " run: " + cfg.outputDir();
    }

    static String modeName(TrainConfig.Mode mode) {
        return switch (mode) {
            case THINKTUNE -> "ThinkTuning";
            case GRPO -> "GRPO";
            case SFT -> "SFT";
            case STAR -> "STaR";
        };
    }

    /** Writes the report and charts into {@code dir}; {@code extraMetrics} get a chart each. Returns report.md. */
    public static Path write(Path dir, String title, List<Run> runs, List<String> extraMetrics) {
        Map<String, List<Map<String, Double>>> rows = new LinkedHashMap<>();
        for (Run r : runs) {
            rows.put(r.name(), MetricsLog.read(r.metricsCsv()));
        }
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        results(md, runs, rows);
        settings(md, runs);
        guidance(md, runs, rows);

        List<Charts.Marker> markers = new ArrayList<>();
        for (Run r : runs) {
            if (r.guidanceEnds()) {
                markers.add(new Charts.Marker(r.guidedSteps() + 0.5, "guidance ends after step " + r.guidedSteps()
                        + (runs.size() > 1 ? " (" + r.name() + ")" : "")));
            }
        }
        List<String[]> charts = new ArrayList<>(CHARTS);
        for (String m : extraMetrics) {
            charts.add(new String[]{m, m.replaceAll("[^A-Za-z0-9]+", "_"), m + " per step"});
        }
        List<String> drawn = new ArrayList<>();
        StringBuilder images = new StringBuilder();
        for (String[] c : charts) {
            String file = c[1] + ".png";
            if (Charts.line(dir.resolve(file), c[2], c[0], rows, markers)) {
                images.append("![").append(c[2]).append("](").append(file).append(")\n\n");
                drawn.add(file);
            }
        }
        if (Charts.line(dir.resolve("heldout_accuracy.png"), "Held-out accuracy before, during and after training",
                HELD_OUT, heldOut(runs, rows), markers)) {
            images.append("![Held-out accuracy](heldout_accuracy.png)\n\n");
            drawn.add("heldout_accuracy.png");
        }
        files(md, dir, runs, drawn);
        if (!images.isEmpty()) {
            md.append("## Charts\n\n");
            if (!markers.isEmpty()) {
                md.append("The dashed line marks where guidance ends.\n\n");
            }
            md.append(images);
        }
        Path report = dir.resolve("report.md");
        AtomicFiles.writeString(report, md.toString());
        return report;
    }

    private static void results(StringBuilder md, List<Run> runs, Map<String, List<Map<String, Double>>> rows) {
        md.append("| run | steps | held-out accuracy before | after | last reward | last KL |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            List<Map<String, Double>> rr = rows.get(r.name());
            Map<String, Double> last = rr.isEmpty() ? Map.of() : rr.get(rr.size() - 1);
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s |%n", r.name(), rr.size(),
                    pct(r.accuracyBefore()), pct(r.accuracyAfter()), num(last.get("reward/mean")), num(last.get("kl"))));
        }
        md.append('\n');
    }

    /** The settings that decide a run, one column per run. */
    private static void settings(StringBuilder md, List<Run> runs) {
        md.append("## Settings\n\n| setting |");
        runs.forEach(r -> md.append(' ').append(r.name()).append(" |"));
        md.append("\n|---|");
        runs.forEach(r -> md.append("---|"));
        md.append('\n');
        Map<String, Function<TrainConfig, String>> rows = new LinkedHashMap<>();
        rows.put("model", c -> "`" + c.model().path() + "`");
        rows.put("mode", c -> c.mode().id());
        rows.put("steps", c -> Integer.toString(c.training().steps()));
        rows.put("questions per step x answers (n)", c -> c.training().questionsPerStep() + " x " + c.rollout().n());
        rows.put("guided steps (k)", c -> c.usesGuidance() ? Integer.toString(c.guidance().k()) : "0");
        rows.put("answers guided per group (gamma)", c -> c.usesGuidance()
                ? c.guidance().gamma() + " (" + c.guidance().schedule().id() + ")" : "-");
        rows.put("teacher", c -> c.usesGuidance() ? teacher(c.guidance().teacher()) : "-");
        rows.put("learning rate", c -> fmt(c.optimizer().lr()));
        rows.put("KL weight (beta)", c -> fmt(c.objective().beta()));
        rows.put("seed", c -> Long.toString(c.seed()));
        rows.put("held-out evaluation", c -> c.eval().questions() + " questions of `" + c.data().test() + "`, "
                + (c.eval().temperature() == 0 ? "greedy" : "temperature " + fmt(c.eval().temperature()))
                + "; " + AccuracyEvaluator.PROMPT);
        rows.forEach((name, value) -> {
            md.append("| ").append(name).append(" |");
            runs.forEach(r -> md.append(' ').append(value.apply(r.config())).append(" |"));
            md.append('\n');
        });
        md.append('\n');
    }

    private static String teacher(TrainConfig.TeacherSection t) {
        String where = switch (t.type()) {
            case "openai" -> " (" + (t.model().isEmpty() ? "" : t.model() + " at ") + t.baseUrl() + ")";
            case "local" -> " (" + (t.model().isEmpty() ? "the initial student" : t.model()) + ")";
            default -> "";
        };
        return t.type() + where;
    }

    /** What the teacher actually did on each guided run's guided steps. */
    private static void guidance(StringBuilder md, List<Run> runs, Map<String, List<Map<String, Double>>> rows) {
        List<String> lines = new ArrayList<>();
        for (Run r : runs) {
            if (r.guidedSteps() == 0) {
                continue;
            }
            double guided = 0, picked = 0, responses = 0, failures = 0, parse = 0, truncated = 0;
            int steps = 0;
            int perStep = r.config().training().questionsPerStep() * r.config().rollout().n();
            for (Map<String, Double> row : rows.get(r.name())) {
                if (row.getOrDefault("guidance/scheduled_fraction", 0.0) <= 0) {
                    continue;
                }
                steps++;
                guided += row.getOrDefault("guided_fraction", 0.0) * perStep;
                picked += row.getOrDefault("teacher/selected", 0.0);
                failures += row.getOrDefault("teacher/failures", 0.0);
                parse += row.getOrDefault("teacher/parse_failures", 0.0);
                truncated += row.getOrDefault("teacher/truncated", 0.0);
                responses += perStep;
            }
            if (steps == 0) {
                continue;
            }
            int gamma = r.config().guidance().gamma();
            lines.add(String.format(Locale.ROOT, "- %s: achieved guided fraction **%.3f** (%d of %d responses on"
                            + " its %d guided steps; gamma %d of n %d asks for up to %.3f). The teacher was asked for"
                            + " %d; %d failed (%d errors or timeouts, %d replies that did not parse), %d were cut"
                            + " to fit the length limit.%s",
                    r.name(), guided / responses, Math.round(guided), Math.round(responses), steps, gamma,
                    r.config().rollout().n(), gamma / (double) r.config().rollout().n(), Math.round(picked),
                    Math.round(failures + parse), Math.round(failures), Math.round(parse), Math.round(truncated),
                    failures + parse > 0 ? " The reasons are in `samples.jsonl` (`teacher_failure`)." : ""));
        }
        if (!lines.isEmpty()) {
            md.append("## Guidance\n\n");
            lines.forEach(l -> md.append(l).append('\n'));
            md.append('\n');
        }
    }

    private static void files(StringBuilder md, Path dir, List<Run> runs, List<String> charts) {
        md.append("## Files\n\n");
        Path base = dir.toAbsolutePath();
        for (Run r : runs) {
            String prefix = runs.size() > 1 ? r.name() + ": " : "";
            List<String> links = new ArrayList<>();
            for (String f : List.of(TrainingRun.SAMPLES_FILE, "metrics.csv", TrainingRun.TIMINGS_FILE, "final")) {
                Path p = r.dir().resolve(f);
                if (Files.exists(p)) {
                    String rel = base.relativize(p).toString().replace('\\', '/');
                    links.add("[" + rel + "](" + rel + ")");
                }
            }
            md.append("- ").append(prefix).append(String.join(", ", links)).append('\n');
        }
        if (!charts.isEmpty()) {
            md.append("- charts: ");
            md.append(String.join(", ", charts.stream().map(c -> "[" + c + "](" + c + ")").toList())).append('\n');
        }
        md.append('\n');
    }

    /** Held-out accuracy per run: before (step 0), at each {@code eval_every} step, and after the last step. */
    private static Map<String, List<Map<String, Double>>> heldOut(List<Run> runs,
                                                                Map<String, List<Map<String, Double>>> rows) {
        Map<String, List<Map<String, Double>>> out = new LinkedHashMap<>();
        for (Run r : runs) {
            List<Map<String, Double>> points = new ArrayList<>();
            if (!Double.isNaN(r.accuracyBefore())) {
                points.add(Map.of("step", 0.0, HELD_OUT, r.accuracyBefore()));
            }
            List<Map<String, Double>> rr = rows.get(r.name());
            for (Map<String, Double> row : rr) {
                Double acc = row.get("eval/accuracy");
                if (acc != null && row.containsKey("step")) {
                    points.add(Map.of("step", row.get("step"), HELD_OUT, acc));
                }
            }
            if (!Double.isNaN(r.accuracyAfter())) {
                double last = rr.isEmpty() ? 1 : rr.get(rr.size() - 1).getOrDefault("step", (double) rr.size());
                points.add(Map.of("step", last, HELD_OUT, r.accuracyAfter()));
            }
            if (points.size() >= 2) {
                out.put(r.name(), points);
            }
        }
        return out;
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String num(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String fmt(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
