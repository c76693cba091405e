package dev.thinktune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.cli.Main;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.train.ModelAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train}'s held-out evaluation ({@link AccuracyEvaluator}, as {@code RunSetup} calls it) and {@code eval
 * --strategy training-prompt} give the embedded student's same answers to the same questions.
 */
class TrainAndEvalAgreeTest {
    private static final Path MODEL = Path.of("models", "arith-tiny");
    private static final String TEST = "data/arith/test.jsonl";
    private static final int QUESTIONS = 24;
    private static final int MAX_NEW_TOKENS = 96;

    @Test
    void heldOutEvaluationAndEvalWithTheTrainingPromptAnswerAlike(@TempDir Path out) throws IOException {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Benchmark set = Benchmark.Spec.parse("gsm8k=" + TEST).read(QUESTIONS, 0, quiet);
        ModelAssets assets = ModelAssets.load(MODEL, "auto", "", "");
        ModelWeights weights = HfCheckpoint.load(MODEL);
        AccuracyEvaluator.Result held;
        try (RolloutEngine engine = RolloutEngine.create(weights, RolloutEngine.Options.defaults().withThreads(1))) {
            held = new AccuracyEvaluator(engine, assets.prompts(), Verifier.lenient(), 64).evaluate(set.examples(),
                    SamplingParams.greedy(MAX_NEW_TOKENS, assets.prompts().stopIds(weights.config().eosTokenIds())),
                    1);
        }
        int code = Main.run("eval", "--model", MODEL.toString(), "--benchmark", "gsm8k=" + TEST,
                "--strategy", "training-prompt", "--temperature", "0", "--seeds", "1", "--limit",
                String.valueOf(QUESTIONS), "--max-new-tokens", String.valueOf(MAX_NEW_TOKENS), "--batch-size", "64",
                "--threads", "1", "--out", out.toString());
        assertEquals(0, code);
        List<String> lines = Files.readAllLines(out.resolve("completions.jsonl"));
        assertEquals(QUESTIONS, lines.size());
        ObjectMapper json = new ObjectMapper();
        int correct = 0;
        for (String line : lines) {
            JsonNode r = json.readTree(line);
            AccuracyEvaluator.Answer a = held.answers().get(r.path("index").asInt());
            assertEquals(a.completion(), r.path("completion").asText(), "question " + r.path("index"));
            assertEquals(a.verification().correct(), r.path("correct").asBoolean());
            assertFalse(r.path("prompt").asText().contains(ZeroShotCot.TRIGGER));
            correct += r.path("correct").asBoolean() ? 1 : 0;
        }
        assertEquals(held.accuracy(), correct / (double) QUESTIONS, 1e-12);
        assertTrue(correct > 0, "the embedded student answers some questions (30% greedy on the held-out split)");
        String results = Files.readString(out.resolve("results.md"));
        assertTrue(results.contains("prompt of training-prompt: the training prompt"), results);
    }
}
