package dev.thinktune.examples;

import dev.thinktune.report.Charts;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.MetricsLog;
import dev.thinktune.train.RunFolder;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's "unknown behaviour" experiment on the config's student (models/arith-tiny-strong, which knows the
 * name from its pretraining but never quotes it in a solution): reward = correctness + 0.5 when the
 * answer contains "Thalapathy Vijay" exactly once; the teacher's reflections end with a quote attributed to him.
 * Runs plain GRPO (k = 0) and ThinkTuning from the same student and seed and prints, per step, the fraction of
 * the student's own sampled answers that contain the phrase, and their accuracy; writes a chart of both.
 * Argument: the config (default configs/unknown-behavior.yaml).
 */
public final class UnknownBehaviorExperiment {
    public static void main(String[] args) {
        Path config = Path.of(args.length > 0 ? args[0] : "configs/unknown-behavior.yaml");
        TrainConfig base = ConfigLoader.load(config, List.of());
        Path out = Path.of(base.outputDir());
        Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
        for (String variant : List.of("grpo", "thinktune")) {
            TrainConfig c = ConfigLoader.load(config, variant.equals("grpo")
                    ? List.of("mode=grpo", "guidance.k=0", "output_dir=" + out.resolve(variant))
                    : List.of("output_dir=" + out.resolve(variant)));
            runs.put(variant, MetricsLog.read(new TrainingRun(c, System.out).run(RunFolder.Start.OVERWRITE)
                    .metricsFile()));
        }
        System.out.println("| step | GRPO phrase | ThinkTuning phrase | GRPO accuracy | ThinkTuning accuracy |");
        System.out.println("|---|---|---|---|---|");
        List<Map<String, Double>> g = runs.get("grpo"), t = runs.get("thinktune");
        for (int i = 0; i < Math.min(g.size(), t.size()); i++) {
            System.out.printf(Locale.ROOT, "| %d | %.3f | %.3f | %.3f | %.3f |%n", i + 1,
                    g.get(i).getOrDefault("student/phrase", 0.0), t.get(i).getOrDefault("student/phrase", 0.0),
                    g.get(i).getOrDefault("accuracy", 0.0), t.get(i).getOrDefault("accuracy", 0.0));
        }
        Charts.line(out.resolve("phrase.png"), "Sampled answers with the phrase", "student/phrase", runs);
        Charts.line(out.resolve("accuracy.png"), "Accuracy of sampled answers", "accuracy", runs);
        System.out.println("charts: " + out.resolve("phrase.png") + ", " + out.resolve("accuracy.png"));
    }
}
