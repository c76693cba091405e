package dev.thinktune.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.reward.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval score's engine on a five-question benchmark whose verdicts are known by hand. */
class CompletionScoringTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private Benchmark benchmark() throws IOException {
        Path file = dir.resolve("math.jsonl");
        Files.writeString(file, String.join("\n",
                row("q/0", "\\\\frac{\\\\sqrt{3}}{2}"),
                row("q/1", "2\\\\sqrt{2}"),
                row("q/2", "\\\\left( 3, \\\\frac{\\\\pi}{2} \\\\right)"),
                row("q/3", "10"),
                row("q/4", "7")) + "\n");
        return Benchmark.Spec.parse("m:math=" + file).read(0, 0, log);
    }

    private static String row(String id, String answer) {
        return "{\"problem\": \"?\", \"solution\": \"\", \"answer\": \"" + answer + "\", \"unique_id\": \"" + id + "\"}";
    }

    private Path completions(String... lines) throws IOException {
        Path file = dir.resolve("completions-" + lines.length + ".jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static final String[] LINES = {
            "{\"id\": 0, \"completion\": \"so $w = \\\\boxed{\\\\frac{1}{2}\\\\sqrt{3}}$.\"}", // position, symbolic: right
            "{\"id\": \"q/1\", \"completion\": \"The answer is $\\\\sqrt{8}$.\"}",          // id, symbolic: right
            "{\"id\": 2, \"completion\": \"\\\\boxed{(3, \\\\pi/2)}\"}",                     // symbolic: right
            "{\"id\": \"q/4\", \"completion\": \"#### 8\"}"};                                // number: wrong; q/3 missing

    @Test
    void scoresCompletionsWithKnownVerdicts() throws IOException {
        Benchmark b = benchmark();
        Path out = dir.resolve("out");
        CompletionScoring.Outcome o = new CompletionScoring(Verifier.lenient(), log)
                .score(List.of(b), completions(LINES), "t", out);
        assertEquals(4, o.scored());
        assertEquals(1, o.missing());
        assertEquals(4, o.compared());
        assertEquals(3, o.symbolic());
        assertEquals(0.75, o.symbolicShare(), 1e-12);
        Score s = o.report().scores().get(0);
        assertEquals(CompletionScoring.DEFAULT_STRATEGY, s.strategy());
        assertEquals(5, s.questions());
        assertEquals(0.6, s.accuracyMean(), 1e-12, "3 right of 5 questions, the missing one counted wrong");
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("1 of 5 questions have no completion"));

        List<JsonNode> scored = jsonl(out.resolve(Evaluation.COMPLETIONS));
        assertEquals(List.of(true, true, true, false), scored.stream().map(n -> n.get("correct").asBoolean()).toList());
        assertEquals(List.of("q/0", "q/1", "q/2", "q/4"), scored.stream().map(n -> n.get("id").asText()).toList());
        assertEquals("8", scored.get(3).get("extracted").asText());
        assertEquals("7", scored.get(3).get("reference").asText());
        String csv = Files.readString(out.resolve(Results.CSV));
        assertTrue(csv.contains("m,math,completions,5,1,0.6"), csv);
        assertTrue(Files.readString(out.resolve(Results.MARKDOWN)).contains("60.0"));
    }

    @Test
    void itsOwnOutputScoresTheSameAgain() throws IOException {
        Benchmark b = benchmark();
        Path first = dir.resolve("first");
        new CompletionScoring(Verifier.lenient(), log).score(List.of(b), completions(LINES), "t", first);
        Path second = dir.resolve("second");
        CompletionScoring.Outcome again = new CompletionScoring(Verifier.lenient(), log)
                .score(List.of(b), first.resolve(Evaluation.COMPLETIONS), "t", second);
        assertEquals(0.6, again.report().scores().get(0).accuracyMean(), 1e-12);
        assertEquals(jsonl(first.resolve(Evaluation.COMPLETIONS)), jsonl(second.resolve(Evaluation.COMPLETIONS)));
    }

    @Test
    void errorsNameTheLineAndWhatIsValid() throws IOException {
        Benchmark b = benchmark();
        CompletionScoring scoring = new CompletionScoring(Verifier.lenient(), log);
        Path out = dir.resolve("err");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> scoring.score(List.of(b),
                completions(LINES[0], "{\"id\": \"q/9\", \"completion\": \"1\"}"), "t", out));
        assertTrue(unknown.getMessage().contains(":2: id \"q/9\" is not a question of m"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("0 to 4"), unknown.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> scoring.score(List.of(b),
                completions("{\"id\": 5, \"completion\": \"1\"}"), "t", out));
        assertTrue(range.getMessage().contains("id 5 is not a position in m (0 to 4)"), range.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> scoring.score(List.of(b),
                completions(LINES[0], LINES[1], "{\"id\": \"q/0\", \"completion\": \"2\"}"), "t", out));
        assertTrue(twice.getMessage().contains("already has a completion on line 1"), twice.getMessage());
        IllegalArgumentException noText = assertThrows(IllegalArgumentException.class, () -> scoring.score(List.of(b),
                completions("{\"id\": 1}"), "t", out));
        assertTrue(noText.getMessage().contains("\"completion\" must be a string"), noText.getMessage());
    }

    private static List<JsonNode> jsonl(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(json.readTree(line));
        }
        return out;
    }
}
