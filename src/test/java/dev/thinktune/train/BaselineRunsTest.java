package dev.thinktune.train;

import dev.thinktune.cli.Main;
import dev.thinktune.data.Example;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SFT and STaR baselines on a tiny model and a handful of questions. */
@Timeout(180)
class BaselineRunsTest {

    /** A tiny chat model directory, four training questions "What is N + 1?" and two held-out ones. */
    private static List<String> setUp(Path dir, String mode) throws Exception {
        Path model = dir.resolve("model");
        HfCheckpoint.save(model, TestModels.tinyLlama3Widened(1024));
        Files.copy(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        StringBuilder train = new StringBuilder();
        for (int n = 1; n <= 4; n++) {
            train.append("{\"question\": \"What is ").append(n).append(" + 1?\", \"answer\": \"").append(n)
                    .append(" + 1 = ").append(n + 1).append("\\n#### ").append(n + 1).append("\"}\n");
        }
        Files.writeString(dir.resolve("train.jsonl"), train);
        Files.writeString(dir.resolve("test.jsonl"), """
                {"question": "What is 5 + 1?", "answer": "#### 6"}
                {"question": "What is 6 + 1?", "answer": "#### 7"}
                """);
        return List.of("mode=" + mode, "model.path=" + model, "data.format=gsm8k",
                "data.train=" + dir.resolve("train.jsonl"), "data.test=" + dir.resolve("test.jsonl"),
                "output_dir=" + dir.resolve("run"), "star.epochs=1", "star.batch_size=2", "star.samples=2",
                "star.iterations=1", "training.micro_batch_size=2", "eval.questions=2", "eval.max_new_tokens=3",
                "rollout.max_new_tokens=24", "optimizer.lr=0.01");
    }

    private static boolean sameWeights(ModelWeights a, ModelWeights b) {
        return a.tensors().keySet().stream().allMatch(k -> a.get(k).equals(b.get(k)));
    }

    /** The final model loads and generates, with its tokenizer beside it. */
    private static ModelWeights checkFinalModel(Path finalModel) {
        assertTrue(HfCheckpoint.isCheckpoint(finalModel), finalModel.toString());
        assertTrue(Files.isRegularFile(finalModel.resolve("tokenizer.json")));
        ModelWeights w = HfCheckpoint.load(finalModel);
        try (RolloutEngine engine = RolloutEngine.create(w, RolloutEngine.Options.defaults().withThreads(1))) {
            assertEquals(2, engine.generate(List.of(new GenerationRequest(new int[]{1, 2, 3}, 1,
                    SamplingParams.greedy(2, Set.of())))).get(0).get(0).length());
        }
        return w;
    }

    @Test
    void sftFineTunesOnReferenceSolutionsThroughTheTrainCommand(@TempDir Path dir) throws Exception {
        List<String> overrides = setUp(dir, "sft");
        List<String> args = new ArrayList<>(List.of("train"));
        overrides.forEach(o -> args.addAll(List.of("--set", o)));
        assertEquals(0, Main.run(args.toArray(String[]::new)));

        Path run = dir.resolve("run");
        ModelWeights trained = checkFinalModel(run.resolve("final"));
        assertFalse(sameWeights(trained, HfCheckpoint.load(dir.resolve("model"))), "SFT changed the weights");
        List<Map<String, Double>> rows = MetricsLog.read(run.resolve("metrics.csv"));
        assertEquals(2, rows.size(), "4 solutions, 2 per update, 1 epoch");
        assertEquals(List.of(1.0, 2.0), rows.stream().map(r -> r.get("step")).toList());
        assertTrue(rows.stream().allMatch(r -> r.get("loss") > 0 && r.get("epoch") == 1.0));
        for (String f : List.of("eval_before.json", "eval_after.json", "train_config.yaml", "report.md")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        }
        assertEquals(2.0, new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("eval_after.json")
                .toFile()).get("questions").asDouble());
        assertTrue(Files.readString(run.resolve("train_config.yaml")).contains("mode: sft"));
    }

    /**
     * Question 1 + 1 and 4 + 1 are answered right, 2 + 1 only with the hint, 3 + 1 never: 2 kept, 2 failed,
     * 1 rationalised.
     */
    private static ScriptedGenerator scriptedStudent(Tokenizer tok, int eot) {
        return new ScriptedGenerator(r -> {
            String prompt = tok.decode(r.promptIds(), false);
            boolean hinted = prompt.contains("Hint: the correct answer is");
            int n = Integer.parseInt(prompt.replaceAll("(?s).*What is (\\d+) \\+ 1\\?.*", "$1"));
            boolean right = n == 1 || n == 4 || (n == 2 && hinted);
            int[] ids = tok.encode("So the answer is \\boxed{" + (right ? n + 1 : n + 7) + "}.", false);
            int[] out = Arrays.copyOf(ids, ids.length + 1);
            out[ids.length] = eot;
            return out;
        });
    }

    @Test
    void starKeepsCorrectAnswersRationalisesFailuresAndFineTunesTheOriginalModel(@TempDir Path dir) throws Exception {
        TrainConfig cfg = ConfigLoader.load(setUp(dir, "star"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        Tokenizer tok = TestModels.fixtureTokenizer();
        int eot = tok.tokenId("<|eot_id|>").orElseThrow();
        List<ScriptedGenerator> made = new ArrayList<>();
        StarRun run = new StarRun(cfg, out, engine -> {
            ScriptedGenerator g = scriptedStudent(tok, eot);
            made.add(g);
            return g;
        });
        StarRun.Outcome o = run.run();

        assertEquals(List.of(new StarRun.Iteration(1, 4, 8, 4, 2, 2, 1, 3, 2, o.iterations().get(0).loss())),
                o.iterations());
        assertTrue(o.iterations().get(0).loss() > 0);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("iteration 1: kept 2/4 questions (4/8 samples correct),"
                + " rationalised 1/2 failures, fine-tuned on 3 sequences"), log.toString(StandardCharsets.UTF_8));
        Map<String, Double> row = MetricsLog.read(o.metricsFile()).get(0);
        assertEquals(2.0, row.get("kept"));
        assertEquals(1.0, row.get("rationalized"));
        assertEquals(2.0, row.get("failed"));
        assertEquals(3.0, row.get("train_samples"));

        List<GenerationRequest> requests = made.get(0).requests();
        assertEquals(4 + 2, requests.size(), "4 questions sampled, 2 failures retried with the hint");
        assertTrue(requests.subList(0, 4).stream().allMatch(r -> r.n() == 2 && r.params().temperature() == 1.0));
        assertTrue(requests.subList(4, 6).stream().allMatch(r -> r.n() == 1
                && tok.decode(r.promptIds(), false).contains("Hint: the correct answer is")));

        ModelWeights trained = checkFinalModel(o.finalModel());
        assertFalse(sameWeights(trained, HfCheckpoint.load(dir.resolve("model"))));
        assertTrue(Files.isRegularFile(o.outputDir().resolve("eval_before.json")));
        assertTrue(Files.isRegularFile(o.outputDir().resolve("eval_after.json")));

        // the fine-tuning data: prompts without the hint, the scripted answers ending with the end-of-turn id
        RunSetup setup = RunSetup.load(cfg, out);
        StarRun.Collected c = run.collect(setup, scriptedStudent(tok, eot), 1);
        assertEquals(3, c.samples().size());
        List<Example> train = setup.train;
        int[] questionOf = {0, 3, 1};
        for (int i = 0; i < 3; i++) {
            Example e = train.get(questionOf[i]);
            int[] prompt = setup.assets.prompts().encode(e).ids();
            int[] ids = c.samples().get(i).ids();
            assertArrayEquals(prompt, Arrays.copyOf(ids, prompt.length), "the training prompt has no hint");
            assertEquals(prompt.length, c.samples().get(i).promptLength());
            assertEquals("So the answer is \\boxed{" + e.answer() + "}.<|eot_id|>",
                    tok.decode(Arrays.copyOfRange(ids, prompt.length, ids.length), false));
        }
    }

    /** SFT and STaR with model.lora: final/ holds PEFT adapters that change the model, and the base is untouched. */
    @Test
    void sftAndStarTrainAdaptersWhenTheConfigAsksForThem(@TempDir Path dir) throws Exception {
        for (String mode : List.of("sft", "star")) {
            Path d = dir.resolve(mode);
            Files.createDirectories(d);
            List<String> overrides = new ArrayList<>(setUp(d, mode));
            overrides.addAll(List.of("model.lora.r=2", "model.lora.target_modules=[q_proj, up_proj]",
                    "optimizer.lr=0.05"));
            TrainConfig cfg = ConfigLoader.load(overrides);
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            Path finalDir;
            if (mode.equals("sft")) {
                finalDir = new SftRun(cfg, quiet).run().finalModel();
            } else {
                Tokenizer tok = TestModels.fixtureTokenizer();
                int eot = tok.tokenId("<|eot_id|>").orElseThrow();
                finalDir = new StarRun(cfg, quiet, engine -> scriptedStudent(tok, eot)).run().finalModel();
            }
            ModelWeights base = HfCheckpoint.load(d.resolve("model"));
            LoraAdapters trained = PeftAdapter.read(finalDir, base.config());
            assertEquals(List.of("q_proj", "up_proj"), trained.config().targetModules(), mode);
            assertTrue(trained.b("model.layers.0.mlp.up_proj").norm2Number().doubleValue() > 0,
                    mode + ": the adapters were trained");
            assertTrue(Files.isRegularFile(finalDir.resolve("tokenizer.json")), mode);
            assertFalse(Files.exists(finalDir.resolve(HfCheckpoint.WEIGHTS)), mode + ": no copy of the base");
        }
    }

    @Test
    void baselineRunsRefuseOtherModes() {
        assertThrows(IllegalArgumentException.class, () -> new SftRun(TrainConfig.defaults(), System.out));
        assertThrows(IllegalArgumentException.class, () -> new StarRun(TrainConfig.defaults(), System.out));
    }
}
