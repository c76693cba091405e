package dev.thinktune.cli;

import dev.thinktune.report.RunReport;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.SftRun;
import dev.thinktune.train.StarRun;
import dev.thinktune.train.TrainConfig;
import dev.thinktune.train.TrainingRun;
import dev.thinktune.ui.TrainingUiLog;
import dev.thinktune.ui.UiServerLauncher;
import dev.thinktune.train.ConsoleInterrupt;
import dev.thinktune.train.RunOutcome;
import dev.thinktune.train.RunFolder;
import dev.thinktune.train.StopRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code thinktune train}: ThinkTuning (or GRPO, SFT, STaR) from a config. With no arguments it runs the
 * embedded quickstart: the shipped arithmetic student with the reference teacher.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a student: ThinkTuning (GRPO + teacher guidance), plain GRPO, SFT or STaR.")
public final class TrainCommand implements Callable<Integer> {
    static final Path QUICKSTART = Path.of("configs", "quickstart.yaml");

    @Option(names = "--config", description = "YAML or JSON config (default: configs/quickstart.yaml when present)")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a config field, e.g. --set rollout.n=4 --set guidance.k=0")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--mode", description = "thinktune, grpo, sft or star (overrides the config's mode)")
    String mode;

    @Option(names = "--steps", description = "training steps (overrides training.steps)")
    Integer steps;

    @Option(names = "--out", description = "output directory (overrides output_dir)")
    Path out;

    @Option(names = "--spark", paramLabel = "MASTER", description = "scale out on Spark: local[N] (N executors in this"
            + " process), local-cluster[N,CORES,MB], spark://HOST:PORT, yarn, k8s://... (sets distributed.spark.master;"
            + " needs the build with -Pspark)")
    String spark;

    @Option(names = "--resume", description = "continue from the newest checkpoint in the output directory")
    boolean resume;

    @Option(names = "--overwrite", description = "delete what an earlier run left in the output directory and start"
            + " again (without it, or --resume, a non-empty output directory is refused)")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Option(names = "--ui", description = "write a UI log (<out>/ui.log) and serve it live on --ui-port")
    boolean ui;

    @Option(names = "--ui-port", defaultValue = "9000", description = "port of the UI server (default ${DEFAULT-VALUE})")
    int uiPort;

    @Option(names = "--compare-grpo", description = "also run plain GRPO (k = 0) from the same student and seed, "
            + "into <out>/thinktune and <out>/grpo, and report both side by side")
    boolean compareGrpo;

    @Option(names = "--plot", paramLabel = "METRIC", description = "an extra metric to chart in the report, e.g. reward/phrase")
    List<String> plots = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = load();
        RunFolder.Start start = RunFolder.Start.of(resume, overwrite);
        if (cfg.mode() == TrainConfig.Mode.SFT || cfg.mode() == TrainConfig.Mode.STAR) {
            return supervisedBaseline(cfg, start);
        }
        Path out = Path.of(cfg.outputDir());
        StopRequest stop = new StopRequest();
        try (ConsoleInterrupt ignored = ConsoleInterrupt.install(stop, System.out)) {
            if (!compareGrpo) {
                TrainingRun.Outcome o = train(cfg, start, stop);
                if (o.interrupted()) {
                    return ConsoleInterrupt.EXIT_STATUS;
                }
                Path report = RunReport.write(out, RunReport.title(cfg), List.of(reportRun(cfg.mode().id(), cfg, o)),
                        plots);
                System.out.println("metrics: " + o.metricsFile());
                System.out.println("report:  " + report);
                return 0;
            }
            List<RunReport.Run> runs = new ArrayList<>();
            for (String variant : List.of("thinktune", "grpo")) {
                List<String> extra = new ArrayList<>(List.of("output_dir=" + out.resolve(variant), "mode=" + variant));
                if (variant.equals("grpo")) {
                    extra.add("guidance.k=0");
                }
                TrainConfig c = ConfigLoader.load(TrainConfig.class, cfg, extra);
                System.out.println("== " + variant + " ==");
                TrainingRun.Outcome o = train(c, start, stop);
                if (o.interrupted()) {
                    return ConsoleInterrupt.EXIT_STATUS;
                }
                runs.add(reportRun(variant, c, o));
            }
            Path report = RunReport.write(out, "ThinkTuning and GRPO from the same student", runs, plots);
            System.out.println("report: " + report);
            return 0;
        }
    }

    private TrainingRun.Outcome train(TrainConfig cfg, RunFolder.Start start, StopRequest stop) throws Exception {
        TrainingRun run = new TrainingRun(cfg, System.out).withStopRequest(stop).withResumeCommand(resumeCommand());
        UiServerLauncher server = null;
        try {
            if (ui) {
                Path log = Path.of(cfg.outputDir()).resolve("ui.log");
                Files.createDirectories(log.getParent());
                run.addGraphListener(policy -> TrainingUiLog.create(log, policy.graph()));
                server = UiServerLauncher.start("127.0.0.1", uiPort);
                String name = server.register("run", log);
                System.out.println("training charts: " + server.liveUrl(name));
            }
            return run.run(start);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** This command line again, resuming instead of starting (or overwriting). */
    String resumeCommand() {
        List<String> args = new ArrayList<>(List.of("bin/thinktune", "train"));
        List<String> given = spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
        given = given.subList(given.indexOf(spec == null ? "train" : spec.name()) + 1, given.size());
        for (String a : given) {
            if (!a.equals("--overwrite") && !a.equals("--resume")) {
                args.add(a.isEmpty() || a.matches(".*[\\s'\"$`\\\\].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
            }
        }
        args.add("--resume");
        return String.join(" ", args);
    }

    private static RunReport.Run reportRun(String name, TrainConfig cfg, RunOutcome o) {
        return new RunReport.Run(name, cfg, o.metricsFile(), o.accuracyBefore(), o.accuracyAfter());
    }

    /** SFT and STaR: their own runs, with the same outputs (and report) as a ThinkTuning or GRPO run. */
    private int supervisedBaseline(TrainConfig cfg, RunFolder.Start start) {
        if (resume || ui || compareGrpo) {
            throw new IllegalArgumentException("--resume, --ui and --compare-grpo are for thinktune and grpo runs,"
                    + " not " + cfg.mode().id());
        }
        new RunFolder(Path.of(cfg.outputDir())).prepare(start);
        RunOutcome o = cfg.mode() == TrainConfig.Mode.SFT ? new SftRun(cfg, System.out).run()
                : new StarRun(cfg, System.out).run();
        RunReport.Run run = reportRun(cfg.mode().id(), cfg, o);
        List<String> charts = new ArrayList<>(plots);
        if (!charts.contains("loss")) {
            charts.add("loss");
        }
        Path report = RunReport.write(Path.of(cfg.outputDir()), RunReport.title(cfg), List.of(run), charts);
        System.out.println("metrics: " + run.metricsCsv());
        System.out.println("report:  " + report);
        return 0;
    }

    TrainConfig load() {
        List<String> all = new ArrayList<>(overrides);
        if (mode != null) {
            all.add("mode=" + mode);
        }
        if (steps != null) {
            all.add("training.steps=" + steps);
        }
        if (out != null) {
            all.add("output_dir=" + out);
        }
        if (spark != null) {
            all.add("distributed.spark.master=" + spark);
        }
        if (config != null) {
            return ConfigLoader.load(config, all);
        }
        if (Files.isRegularFile(QUICKSTART)) {
            return ConfigLoader.load(QUICKSTART, all);
        }
        return ConfigLoader.load(all);
    }
}
