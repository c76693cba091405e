package dev.thinktune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.cli.Main;
import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatTemplate;
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
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness's tables against a recount of its completions, with scripted answers and with a tiny model. */
@Timeout(120)
class EvaluationTest {
    private static final Pattern QUESTION = Pattern.compile("What is (\\d+) \\+ 1\\?");

    private static List<Example> sums(String prefix, int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Example(prefix + i, "What is " + (10 + i) + " + 1?", Integer.toString(11 + i), "", List.of(),
                    Example.AnswerType.NUMBER));
        }
        return out;
    }

    @Test
    void tablesMatchARecountOfTheCompletions(@TempDir Path dir) throws Exception {
        Tokenizer tok = TestModels.fixtureTokenizer();
        int eot = tok.tokenId("<|eot_id|>").orElseThrow();
        PromptEncoder prompts = new PromptEncoder(tok, ChatTemplate.forTokenizer(tok), PromptFormatter.defaults(), "");
        // right or wrong by the request's seed, so accuracy differs between seeds and benchmarks
        ScriptedGenerator g = new ScriptedGenerator(r -> {
            Matcher m = QUESTION.matcher(tok.decode(r.promptIds(), false));
            assertTrue(m.find());
            int answer = Integer.parseInt(m.group(1)) + 1;
            String text = Long.bitCount(r.params().seed()) % 2 == 0 ? "So it is \\boxed{" + answer + "}."
                    : "Hmm, maybe \\boxed{" + (answer + 1) + "}, not sure about that one.";
            int[] ids = tok.encode(text, false);
            int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
            out[ids.length] = eot;
            return out;
        });
        EvalContext ctx = new EvalContext(g, prompts, new SamplingParams(1.0, 1.0, 0, 0.0, 32, Set.of(eot),
                List.of(), 0), 4, 0);
        List<Strategy> strategies = List.of(new ZeroShotCot(), new SelfCorrect());
        Evaluation.Options options = new Evaluation.Options(strategies, List.of(0L, 1L, 2L), Verifier.lenient(),
                "scripted", List.of("three seeds"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Evaluation.Report report = new Evaluation(ctx, options, new PrintStream(log, true, StandardCharsets.UTF_8))
                .run(List.of(new Benchmark("sums", "gsm8k", Path.of("sums.jsonl"), sums("s", 7)),
                        new Benchmark("more", "aime", Path.of("more.jsonl"), sums("m", 5))), dir);

        assertEquals(4, report.scores().size());
        Recount recount = Recount.of(dir);
        assertEquals(3 * (7 + 5) * 2, recount.lines.size());
        recount.checkCsv(dir);
        recount.checkMarkdown(dir);
        boolean varies = report.scores().stream().anyMatch(s -> s.accuracyStd() > 0);
        assertTrue(varies, "the scripted answers differ between seeds");
        assertTrue(report.scores().stream().anyMatch(s -> s.accuracyMean() > 0 && s.accuracyMean() < 1));

        JsonNode line = recount.lines.stream().filter(n -> n.get("strategy").asText().equals("self-correct"))
                .findFirst().orElseThrow();
        assertEquals("sums", line.get("benchmark").asText());
        assertEquals("gsm8k", line.get("format").asText());
        assertEquals(0, line.get("seed").asLong());
        assertEquals("s0", line.get("id").asText());
        assertEquals("11", line.get("reference").asText());
        assertEquals(2, line.get("turns").size());
        assertEquals(line.get("turns").get(1).get("completion").asText(), line.get("completion").asText());
        assertTrue(line.get("prompt").asText().contains("What is 10 + 1?"));
        assertTrue(line.get("turns").get(1).get("prompt").asText().contains(
                line.get("turns").get(0).get("completion").asText()), "the first answer is in the second prompt");
        boolean correct = line.get("correct").asBoolean();
        assertEquals(correct ? "11" : "12", line.get("extracted").asText());
        String md = Files.readString(report.markdown());
        assertTrue(md.startsWith("# scripted\n\n- three seeds\n"), md);
        assertTrue(md.contains("| Strategy | sums (n=7) | more (n=5) | Average |"), md);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("sums / zero-shot-cot / seed 0: accuracy"));
    }

    @Test
    void greedyAnswersOnceAndReportsEverySeed(@TempDir Path dir) throws Exception {
        Tokenizer tok = TestModels.fixtureTokenizer();
        int eot = tok.tokenId("<|eot_id|>").orElseThrow();
        PromptEncoder prompts = new PromptEncoder(tok, ChatTemplate.forTokenizer(tok), PromptFormatter.defaults(), "");
        ScriptedGenerator g = new ScriptedGenerator(r -> tok.encode("It is \\boxed{11}.", false));
        EvalContext ctx = new EvalContext(g, prompts, SamplingParams.greedy(16, Set.of(eot)), 8, 0);
        Evaluation.Report report = new Evaluation(ctx, new Evaluation.Options(List.of(new ZeroShotCot()),
                List.of(0L, 1L, 2L), Verifier.lenient(), "greedy", List.of()), new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .run(List.of(new Benchmark("sums", "gsm8k", Path.of("s.jsonl"), sums("s", 3))), dir);
        assertEquals(3, g.requests().size(), "answered once");
        Score s = report.scores().get(0);
        assertEquals(List.of(1.0 / 3, 1.0 / 3, 1.0 / 3), s.accuracy());
        assertEquals(0.0, s.accuracyStd());
        Recount recount = Recount.of(dir);
        assertEquals(9, recount.lines.size(), "written under every seed");
        recount.checkCsv(dir);
        recount.checkMarkdown(dir);
    }

    @Test
    void evalCommandOnATinyModelWithTwoBenchmarksAndTwoSeeds(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        HfCheckpoint.save(model, TestModels.tinyLlama3Widened(1024));
        Files.copy(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        Path gsm8k = dir.resolve("gsm8k.jsonl");
        Files.writeString(gsm8k, """
                {"question": "Tom has 3 apples and buys 2 more. How many apples does he have?", "answer": "3 + 2 = 5\\n#### 5"}
                {"question": "A box holds 4 pens. How many pens are in 2 boxes?", "answer": "4 * 2 = 8\\n#### 8"}
                {"question": "What is 7 minus 3?", "answer": "#### 4"}
                """);
        Path arc = dir.resolve("arc.jsonl");
        Files.writeString(arc, """
                {"id": "a1", "question": {"stem": "Which is a source of light?", "choices": [{"label": "A", "text": "the Sun"}, {"label": "B", "text": "a rock"}, {"label": "C", "text": "a chair"}]}, "answerKey": "A"}
                {"id": "a2", "question": {"stem": "What do plants need?", "choices": [{"label": "A", "text": "plastic"}, {"label": "B", "text": "water"}, {"label": "C", "text": "metal"}]}, "answerKey": "B"}
                """);
        Path out = dir.resolve("results");
        int code = Main.run("eval", "--model", model.toString(), "--benchmark", "gsm8k=" + gsm8k,
                "--benchmark", "easy:arc=" + arc, "--strategy", "zero-shot-cot,budget-forcing",
                "--strategy", "self-verify", "--seeds", "2", "--max-new-tokens", "5", "--budget", "4",
                "--answer-tokens", "2", "--limit", "2", "--threads", "1", "--temperature", "1", "--top-p", "1", "--out", out.toString());
        assertEquals(0, code);

        Recount recount = Recount.of(out);
        assertEquals(2 * 3 * (2 + 2), recount.lines.size(), "2 seeds x 3 strategies x (2 + 2 questions)");
        assertEquals(List.of("gsm8k/zero-shot-cot", "gsm8k/budget-forcing", "gsm8k/self-verify",
                "easy/zero-shot-cot", "easy/budget-forcing", "easy/self-verify"), recount.checkCsv(out));
        recount.checkMarkdown(out);
        for (JsonNode n : recount.lines) {
            int tokens = n.get("tokens").asInt();
            switch (n.get("strategy").asText()) {
                case "zero-shot-cot" -> assertTrue(tokens >= 1 && tokens <= 5, n.toString());
                case "self-verify" -> assertTrue(tokens >= 2 && tokens <= 10, n.toString());
                default -> assertTrue(tokens >= 2 && tokens <= 4 + 2, n.toString());
            }
        }
        JsonNode settings = new ObjectMapper().readTree(out.resolve("eval_settings.json").toFile());
        assertEquals(List.of(0, 1), List.of(settings.get("seeds").get(0).asInt(), settings.get("seeds").get(1).asInt()));
    }

    @Test
    void badArgumentsAreClearErrors(@TempDir Path dir) {
        assertNotEquals(0, Main.run("eval", "--model", dir.toString(), "--benchmark", "gsm8k=x.jsonl"));
        assertNotEquals(0, Main.run("eval", "--model", dir.toString(), "--benchmark", "nope=x.jsonl"));
        assertEquals(0, Main.run("eval", "--help"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Benchmark.Spec.parse("gsm8k"));
        assertTrue(e.getMessage().contains("FORMAT=PATH"));
        Benchmark.Spec s = Benchmark.Spec.parse("math500:math=data/m.jsonl");
        assertEquals("math500", s.name());
        assertEquals("math", s.format());
        assertEquals(Path.of("data/m.jsonl"), s.path());
    }
}
