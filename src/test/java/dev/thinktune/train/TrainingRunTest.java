package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.RewardInput;
import dev.thinktune.reward.RewardTerm;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.teacher.Guide;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TestModels;
import dev.thinktune.testing.TinyRun;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole runs on a tiny student: checkpoints, exact resume, and bad updates that never reach the weights. */
class TrainingRunTest {
    @TempDir
    Path tmp;

    private static final Tokenizer TOK = TestModels.fixtureTokenizer();

    private Path modelDir() {
        return TinyRun.student(tmp);
    }

    private Path data() {
        return TinyRun.data(tmp);
    }

    private TrainConfig config(Path model, Path data, Path out, int steps) {
        return TinyRun.config(model, data, out, "training.steps=" + steps, "training.micro_batch_size=4",
                "optimizer.lr=0.001", "training.log_samples=2");
    }

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void aRunStoppedAndResumedEndsWithTheWeightsOfOneThatNeverStopped() throws IOException {
        Path model = modelDir(), data = data();
        TrainingRun.Outcome straight = new TrainingRun(config(model, data, tmp.resolve("a"), 4), QUIET).run(false);
        // the same run, stopped after step 2 ...
        new TrainingRun(config(model, data, tmp.resolve("b"), 2), QUIET).run(false);
        // ... and resumed to step 4
        TrainingRun.Outcome resumed = new TrainingRun(config(model, data, tmp.resolve("b"), 4), QUIET).run(true);
        assertEquals(4, resumed.state().step());
        assertEquals(straight.state(), resumed.state());
        ModelWeights a = HfCheckpoint.load(straight.finalModel());
        ModelWeights b = HfCheckpoint.load(resumed.finalModel());
        for (Map.Entry<String, INDArray> e : a.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data().asFloat(), b.get(e.getKey()).data().asFloat(), 0f, e.getKey());
        }
        ModelWeights initial = HfCheckpoint.load(model);
        assertTrue(!java.util.Arrays.equals(initial.get("model.norm.weight").data().asFloat(),
                a.get("model.norm.weight").data().asFloat()), "training changed the weights");
        // metrics: one row per step, the resumed file equal in steps to the straight one
        assertEquals(4, MetricsLog.read(straight.metricsFile()).size());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0), MetricsLog.read(resumed.metricsFile()).stream()
                .map(r -> r.get("step")).toList());
        // samples: every response of every step (both groups), the resumed file line for line the straight one's
        List<SampleRecord> samples = SampleLog.read(tmp.resolve("a").resolve(TrainingRun.SAMPLES_FILE));
        assertEquals(samples, SampleLog.read(tmp.resolve("b").resolve(TrainingRun.SAMPLES_FILE)));
        List<Map<String, Double>> rows = MetricsLog.read(straight.metricsFile());
        for (int step = 1; step <= 4; step++) {
            int st = step;
            List<SampleRecord> ofStep = samples.stream().filter(r -> r.step() == st).toList();
            assertEquals(8, ofStep.size(), "2 questions x 4 answers");
            assertEquals(2, ofStep.stream().map(SampleRecord::questionId).distinct().count());
            assertEquals(0.0, ofStep.stream().mapToDouble(SampleRecord::advantage).sum(), 1e-9, "advantages");
            long guided = ofStep.stream().filter(SampleRecord::guided).count();
            assertEquals(rows.get(step - 1).get("guided_fraction"), guided / 8.0, 1e-9, "step " + step);
            assertEquals(rows.get(step - 1).get("reward/mean"),
                    ofStep.stream().mapToDouble(SampleRecord::reward).average().orElseThrow(), 1e-9);
            for (SampleRecord r : ofStep) {
                assertEquals(r.guided(), r.teacherTokens() > 0);
                assertTrue(!r.guided() || "eos".equals(r.finish()), "a guided response ends with EOS");
            }
        }
        // checkpoints: kept, complete, loadable
        Path latest = new TrainerCheckpoints(tmp.resolve("b"), List.of(), 2).latest().orElseThrow();
        assertTrue(latest.endsWith("step-000004"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", TrainerCheckpoints.OPTIMIZER,
                TrainerCheckpoints.STATE, TrainerCheckpoints.CONFIG)) {
            assertTrue(Files.isRegularFile(latest.resolve(f)), f);
        }
        assertEquals(config(model, data, tmp.resolve("b"), 4),
                ConfigLoader.parse(Files.readString(latest.resolve(TrainerCheckpoints.CONFIG)), "saved"));
        List<Double> guided = MetricsLog.read(straight.metricsFile()).stream()
                .map(r -> r.getOrDefault("guidance/scheduled_fraction", 0.0)).toList();
        assertEquals(List.of(1.0, 1.0, 1.0, 0.0), guided, "guided while step <= k");
    }

    @Test
    void nonFiniteUpdatesAreSkippedCountedAndStopTheRunWithTheWeightsUntouched() {
        RewardTerm nan = new RewardTerm() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public double score(RewardInput in) {
                return in.completionIds().length % 2 == 0 ? Double.NaN : 1.0;
            }
        };
        TrainConfig cfg = ConfigLoader.load(List.of("mode=grpo", "guidance.k=0", "rollout.n=4",
                "rollout.max_new_tokens=4", "training.questions_per_step=2", "training.max_bad_steps=2",
                "objective.beta=0", "seed=3"));
        ModelWeights w = ModelWeights.initialize(LlamaConfig.of(TOK.vocabSize(), 32, 64, 2, 4, 2, 256, true, 0, 4),
                0.02, 3);
        float[] before = w.get("model.layers.0.mlp.up_proj.weight").data().asFloat();
        PromptEncoder p = new PromptEncoder(TOK, ChatTemplate.forTokenizer(TOK), PromptFormatter.questionOnly(), "");
        List<Example> qs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            qs.add(new Example("q" + i, "Question " + i, "1", "", List.of(), Example.AnswerType.NUMBER));
        }
        try (RolloutEngine engine = RolloutEngine.create(w)) {
            ThinkTuningTrainer t = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(StudentModel.of(w),
                    new EngineSampler(engine), null, Guide.NONE,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(nan, 1.0))), p, p.stopIds(List.of()), qs));
            ThinkTuningTrainer.StepResult first = t.step(1, TrainerState.start(3));
            assertEquals(1, first.state().consecutiveBad());
            assertEquals(1.0, first.metrics().get("bad_updates"));
            assertArrayEquals(before, w.get("model.layers.0.mlp.up_proj.weight").data().asFloat(), 0f);
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> t.step(2, first.state()));
            assertTrue(e.getMessage().contains("2 updates in a row"), e.getMessage());
            assertArrayEquals(before, w.get("model.layers.0.mlp.up_proj.weight").data().asFloat(), 0f);
        }
    }

    private static byte[] bytes(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRunIsAFunctionOfItsConfigSeedAndThreadCount() throws IOException {
        Path model = modelDir(), data = data();
        TrainingRun.Outcome one = new TrainingRun(config(model, data, tmp.resolve("one"), 3), QUIET).run(false);
        TrainingRun.Outcome two = new TrainingRun(config(model, data, tmp.resolve("two"), 3), QUIET).run(false);
        for (String f : List.of("metrics.csv", TrainingRun.SAMPLES_FILE, "final/model.safetensors",
                "checkpoints/step-000002/optimizer.safetensors")) {
            assertArrayEquals(bytes(one.outputDir().resolve(f)), bytes(two.outputDir().resolve(f)), f);
        }
        // what differs between two runs of the same inputs is kept apart, in timings.csv
        List<String> columns = List.of(Files.readAllLines(one.metricsFile()).get(0).split(","));
        assertTrue(columns.contains("kl") && columns.contains("guided_fraction"), columns.toString());
        assertTrue(columns.stream().noneMatch(MetricsLog::isTiming), columns.toString());
        List<Map<String, Double>> timings = MetricsLog.read(one.outputDir().resolve(TrainingRun.TIMINGS_FILE));
        assertEquals(3, timings.size());
        assertTrue(timings.get(0).get("step_seconds") > 0 && timings.get(0).containsKey("time/update"));
    }

    @Test
    void aFolderLeftByAnEarlierRunIsRefusedUnlessResumedOrOverwritten() throws IOException {
        Path model = modelDir(), data = data();
        Path out = tmp.resolve("run");
        new TrainingRun(config(model, data, out, 3), QUIET).run(false);
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-000003")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingRun(config(model, data, out, 2), QUIET).run(false));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("--resume")
                && e.getMessage().contains("--overwrite") && !e.getMessage().contains("\n"), e.getMessage());
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-000003")), "refusing touches nothing");

        TrainingRun.Outcome again = new TrainingRun(config(model, data, out, 2), QUIET).run(RunFolder.Start.OVERWRITE);
        assertEquals(2, again.state().step());
        assertTrue(Files.notExists(out.resolve("checkpoints/step-000003")), "the old run's checkpoints are gone");
        assertEquals(List.of(1.0, 2.0), MetricsLog.read(again.metricsFile()).stream().map(r -> r.get("step")).toList());
        TrainingRun.Outcome resumed = new TrainingRun(config(model, data, out, 2), QUIET).run(true);
        assertEquals(2, resumed.state().step(), "resuming finds the new run's checkpoint, not the old one");
    }

    @Test
    void aStopRequestEndsTheStepSavesACheckpointAndTheResumedRunEndsAsAnUninterruptedOne() throws IOException {
        Path model = modelDir(), data = data();
        TrainingRun.Outcome straight = new TrainingRun(config(model, data, tmp.resolve("a"), 4), QUIET).run(false);

        StopRequest stop = new StopRequest();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainingRun interrupted = new TrainingRun(config(model, data, tmp.resolve("b"), 4), new PrintStream(console, true))
                .withStopRequest(stop).withResumeCommand("bin/thinktune train --resume");
        interrupted.addListener((step, metrics) -> {
            if (step == 3) {
                stop.request(); // Ctrl-C arrives during step 3 (checkpoint_every is 2)
            }
        });
        TrainingRun.Outcome o = interrupted.run(false);
        assertTrue(o.interrupted());
        assertEquals(3, o.state().step());
        Path b = tmp.resolve("b");
        assertEquals(b.resolve("checkpoints/step-000003"), o.checkpoint());
        assertEquals(3, TrainerState.read(o.checkpoint().resolve(TrainerCheckpoints.STATE)).step());
        assertTrue(Files.notExists(b.resolve("final")), "no final model for a run that did not finish");
        String said = console.toString();
        assertTrue(said.contains("stopped after step 3 of 4; checkpoint: " + o.checkpoint())
                && said.contains("resume with: bin/thinktune train --resume"), said);

        // a kill during the next write leaves torn log lines and a staging directory; resuming copes with both
        Files.writeString(b.resolve(TrainingRun.SAMPLES_FILE), "{\"step\":4,\"question_id\":\"q", StandardOpenOption.APPEND);
        Files.writeString(b.resolve("metrics.csv"), "4,0.", StandardOpenOption.APPEND);
        Path staging = Files.createDirectories(b.resolve("checkpoints/step-000004.staging-123"));
        Files.writeString(staging.resolve("model.safetensors"), "partial");
        ByteArrayOutputStream resumedLog = new ByteArrayOutputStream();
        TrainingRun.Outcome resumed = new TrainingRun(config(model, data, b, 4), new PrintStream(resumedLog, true))
                .run(true);
        String log = resumedLog.toString();
        assertTrue(log.contains("removed 1 unfinished checkpoint staging directory"), log);
        assertTrue(log.contains("torn last line of " + b.resolve(TrainingRun.SAMPLES_FILE)), log);
        assertTrue(log.contains("torn last line of " + b.resolve("metrics.csv")), log);
        assertTrue(Files.notExists(staging));
        assertTrue(!resumed.interrupted() && resumed.finalModel() != null);
        for (String f : List.of("metrics.csv", TrainingRun.SAMPLES_FILE, "final/model.safetensors")) {
            assertArrayEquals(bytes(straight.outputDir().resolve(f)), bytes(b.resolve(f)), f);
        }
    }

    /** A student whose most tokens end a response, so that nearly every response qualifies for guidance. */
    private Path quickToStopModel() throws IOException {
        Path dir = tmp.resolve("quick-student");
        LlamaConfig c = LlamaConfig.of(TOK.vocabSize(), 32, 64, 2, 4, 2, 256, true, 0, 4);
        List<Integer> stops = new ArrayList<>();
        for (int id = 4; id < TOK.vocabSize(); id++) {
            stops.add(id);
        }
        c = new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositions(),
                c.tieWordEmbeddings(), c.bosTokenId(), stops);
        HfCheckpoint.save(dir, ModelWeights.initialize(c, 0.02, 3));
        Files.copy(Fixtures.root().resolve("tokenizer/tokenizer.json"), dir.resolve("tokenizer.json"));
        return dir;
    }

    @Test
    void aTeacherEndpointThatAlwaysFailsIsReportedLoggedAndStopsTheRun() throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 8);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = "{\"error\": \"model 'gpt-nope' not loaded\"}".getBytes();
            ex.sendResponseHeaders(500, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            Path out = tmp.resolve("run");
            List<String> overrides = new ArrayList<>(List.of("mode=thinktune", "model.path=" + quickToStopModel(),
                    "data.train=" + data(), "data.test=", "output_dir=" + out, "training.steps=6",
                    "training.questions_per_step=2", "rollout.n=4", "rollout.max_new_tokens=8", "guidance.k=5",
                    "guidance.teacher.type=openai", "guidance.teacher.base_url=http://127.0.0.1:"
                            + server.getAddress().getPort() + "/v1", "guidance.teacher.model=gpt-nope",
                    "guidance.teacher.max_retries=0", "guidance.teacher.timeout_seconds=5",
                    "guidance.teacher.max_failed_steps=3", "training.checkpoint_every=0", "eval.questions=0",
                    "seed=17", "training.log_samples=2"));
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> new TrainingRun(
                    ConfigLoader.load(overrides), new PrintStream(console, true)).run(false));
            String said = console.toString();
            assertTrue(e.getMessage().contains("stopped at step 3") && e.getMessage().contains("HTTP 500")
                    && e.getMessage().contains("guidance.teacher.max_failed_steps"), e.getMessage());
            assertTrue(said.contains("teacher: 2 of 2 replies failed at step 1, no guidance on 1 guided step in a row"
                    + " (the run stops at 3); first: error: failed after 1 attempt: HTTP 500"), said);
            assertTrue(said.contains("gpt-nope' not loaded"), said);
            assertEquals(6, requests.get(), "2 answers a step were sent to the teacher, on 3 steps");
            // the two completed steps are saved, though checkpoint_every is 0
            Path saved = new TrainerCheckpoints(out, List.of(), 1).latest().orElseThrow();
            assertEquals(2, TrainerState.read(saved.resolve(TrainerCheckpoints.STATE)).step());
            assertEquals(2, TrainerState.read(saved.resolve(TrainerCheckpoints.STATE)).failedGuidedSteps());
            List<SampleRecord> samples = SampleLog.read(out.resolve(TrainingRun.SAMPLES_FILE));
            List<SampleRecord> failed = samples.stream().filter(r -> !r.teacherFailure().isEmpty()).toList();
            assertEquals(4, failed.size(), "the two picked answers of steps 1 and 2");
            assertTrue(failed.stream().allMatch(r -> r.teacherFailure().startsWith("error: failed after 1 attempt: "
                    + "HTTP 500") && !r.guided()), failed.toString());
            List<Map<String, Double>> rows = MetricsLog.read(out.resolve("metrics.csv"));
            assertEquals(List.of(2.0, 2.0), rows.stream().map(r -> r.get("teacher/failures")).toList());
            assertEquals(List.of(0.0, 0.0), rows.stream().map(r -> r.get("guided_fraction")).toList());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void sigintDuringARunFinishesTheStepSavesACheckpointAndPrintsTheResumeCommand() throws Exception {
        Path out = tmp.resolve("run");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), "dev.thinktune.cli.Main", "train",
                "--set", "model.path=" + modelDir(), "--set", "data.train=" + data(), "--set", "data.test=",
                "--set", "training.steps=100000", "--set", "training.checkpoint_every=0",
                "--set", "training.questions_per_step=2", "--set", "rollout.n=4", "--set", "rollout.max_new_tokens=8",
                "--set", "guidance.k=0", "--set", "mode=grpo", "--set", "eval.questions=0", "--out", out.toString())
                .redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        StringBuilder said = new StringBuilder();
        java.util.concurrent.CountDownLatch stepping = new java.util.concurrent.CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader r = p.inputReader()) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (said) {
                        said.append(line).append('\n');
                    }
                    if (line.startsWith("grpo [") && line.contains(" 2/100000 ")) {
                        stepping.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            assertTrue(stepping.await(240, java.util.concurrent.TimeUnit.SECONDS), "no progress: " + said);
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "did not stop: " + said);
        } finally {
            p.destroyForcibly();
        }
        reader.join(10_000);
        String text;
        synchronized (said) {
            text = said.toString();
        }
        assertEquals(ConsoleInterrupt.EXIT_STATUS, p.exitValue(), text);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("stopped after step (\\d+) of 100000; checkpoint: (\\S+)")
                .matcher(text);
        assertTrue(m.find(), text);
        int step = Integer.parseInt(m.group(1));
        assertTrue(step >= 2, text);
        Path checkpoint = Path.of(m.group(2));
        assertEquals(step, TrainerState.read(checkpoint.resolve(TrainerCheckpoints.STATE)).step());
        assertTrue(text.contains("interrupt: finishing the current step"), text);
        assertTrue(text.contains("resume with: bin/thinktune train --set model.path=") && text.contains(" --resume"),
                text);
        assertEquals(step, MetricsLog.read(out.resolve("metrics.csv")).size(), "every finished step is logged");
    }
}
