package dev.thinktune.data;

import dev.thinktune.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code thinktune data ...} through the real command line, output captured. */
class DataCommandTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void inspectShowsCountsErrorsAndTheFirstPrompt() throws IOException {
        Path f = dir.resolve("csqa.jsonl");
        Files.writeString(f, """
                {"id": "q1", "question": {"stem": "Where do you keep milk?", "choices": [{"label": "A", "text": "fridge"}, {"label": "B", "text": "oven"}, {"label": "C", "text": "shelf"}, {"label": "D", "text": "car"}, {"label": "E", "text": "bed"}]}, "answerKey": "A"}
                {"id": "q2", "question": {"stem": "Broken?"}, "answerKey": "A"}
                not json
                """);
        Run r = run("data", "inspect", "--format", "commonsenseqa", f.toString());
        assertEquals(0, r.code(), r.err());
        String expected = String.join("\n",
                "file:   " + f,
                "format: commonsenseqa (CommonsenseQA JSONL: question.stem, question.choices, answerKey)",
                "rows:   1",
                "failed: 2",
                "first errors:",
                "  " + f + ":2: question.choices: missing",
                "  " + f + ":3: json: malformed JSON: Unrecognized token 'not': was expecting (JSON String, Number,"
                        + " Array, Object or token 'null', 'true' or 'false')",
                "",
                "first example (id q1, type CHOICE):",
                "--- prompt ---",
                "Where do you keep milk?",
                "",
                "A. fridge",
                "B. oven",
                "C. shelf",
                "D. car",
                "E. bed",
                "",
                "Answer with the label of the correct option (A, B, C, D, E) and put it within \\boxed{}.",
                "--- reference answer ---",
                "A",
                "--- choices ---",
                "A, B, C, D, E (5)",
                "");
        assertEquals(expected, r.out().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void inspectReportsAFileErrorOnOneLine() throws IOException {
        Path f = dir.resolve("g.csv");
        Files.writeString(f, "Question,Correct Answer\nq,a\n");
        Run r = run("data", "inspect", "--format", "gpqa", f.toString());
        assertEquals(1, r.code());
        assertEquals("thinktune inspect: error: " + f + ":1: Incorrect Answer 1: missing column; the header has"
                + " [Question, Correct Answer]", r.err().strip());
        Run unknown = run("data", "inspect", "--format", "nope", f.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown data format 'nope'"), unknown.err());
    }

    @Test
    void inspectGenericJsonlNeedsAMapping() throws IOException {
        Path f = dir.resolve("x.jsonl");
        Files.writeString(f, "{\"q\": \"1+1?\", \"a\": 2}\n");
        Run missing = run("data", "inspect", "--format", "jsonl", f.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("needs --question-field, --answer-field and --type"), missing.err());
        Run ok = run("data", "inspect", "--format", "jsonl", "--question-field", "q", "--answer-field", "a",
                "--type", "NUMBER", f.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("rows:   1"), ok.out());
        assertTrue(ok.out().contains("--- reference answer ---" + System.lineSeparator() + "2"), ok.out());
    }

    @Test
    void synthWritesReproducibleGsm8kFiles() throws IOException {
        Run a = run("data", "synth", "--seed", "3", "--train", "50", "--test", "10", "--out",
                dir.resolve("a").toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().startsWith("wrote 50 training problems"), a.out());
        Run b = run("data", "synth", "--seed", "3", "--train", "50", "--test", "10", "--out",
                dir.resolve("b").toString(), "--difficulty", "medium");
        assertEquals(0, b.code(), b.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/train.jsonl")), Files.readAllBytes(dir.resolve("b/train.jsonl")));
        assertEquals(10, Datasets.readAll("gsm8k", dir.resolve("a/test.jsonl")).size());

        Run inspect = run("data", "inspect", "--format", "gsm8k", dir.resolve("a/train.jsonl").toString());
        assertTrue(inspect.out().contains("rows:   50\nfailed: 0".replace("\n", System.lineSeparator())), inspect.out());

        assertFalse(Files.exists(dir.resolve("a/pretrain.jsonl")), "no pretraining file unless asked");
        Run reflective = run("data", "synth", "--seed", "3", "--train", "50", "--test", "10", "--out",
                dir.resolve("r").toString(), "--reflective", "0.5");
        assertEquals(0, reflective.code(), reflective.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/train.jsonl")), Files.readAllBytes(dir.resolve("r/train.jsonl")),
                "the training problems do not depend on the pretraining file");
        List<Example> plain = Datasets.readAll("gsm8k", dir.resolve("a/train.jsonl"));
        List<Example> pretrain = Datasets.readAll("gsm8k", dir.resolve("r/pretrain.jsonl"));
        assertEquals(plain.size(), pretrain.size());
        long changed = 0;
        for (int i = 0; i < plain.size(); i++) {
            assertEquals(plain.get(i).question(), pretrain.get(i).question());
            assertEquals(plain.get(i).answer(), pretrain.get(i).answer());
            changed += plain.get(i).solution().equals(pretrain.get(i).solution()) ? 0 : 1;
        }
        assertTrue(reflective.out().contains(changed + " of them with reflective solutions"), reflective.out());
        assertTrue(changed > 10 && changed < 40, "about half of 50: " + changed);
        // --quotes: the same pretraining file with rows quoting the closing lines of a prompt set
        Run quotes = run("data", "synth", "--seed", "3", "--train", "50", "--test", "10", "--out",
                dir.resolve("k").toString(), "--reflective", "0.5", "--quotes", "configs/prompts/unknown-behavior",
                "--quote-rows", "7");
        assertEquals(0, quotes.code(), quotes.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("r/pretrain.jsonl")),
                Files.readAllBytes(dir.resolve("k/pretrain.jsonl")), "pretrain.jsonl does not change");
        List<Example> withQuotes = Datasets.readAll("gsm8k", dir.resolve("k/pretrain-quotes.jsonl"));
        assertEquals(57, withQuotes.size());
        assertEquals(7, withQuotes.stream().filter(e -> e.solution().startsWith("As Thalapathy Vijay said, \"")).count());
        assertEquals(pretrain.stream().map(Example::solution).toList(), withQuotes.stream().map(Example::solution)
                .filter(sol -> !sol.startsWith("As Thalapathy")).toList(), "the other rows as in pretrain.jsonl");
        assertTrue(quotes.out().contains("7 rows quoting 3 closing lines"), quotes.out());
        Run quotesAlone = run("data", "synth", "--seed", "3", "--train", "5", "--test", "1", "--out",
                dir.resolve("k2").toString(), "--quotes", "configs/prompts/unknown-behavior");
        assertEquals(2, quotesAlone.code());
        assertTrue(quotesAlone.err().contains("--quotes needs --reflective"), quotesAlone.err());
        Run noLines = run("data", "synth", "--seed", "3", "--train", "5", "--test", "1", "--out",
                dir.resolve("k3").toString(), "--reflective", "0.5", "--quotes", dir.resolve("none").toString());
        assertEquals(1, noLines.code(), noLines.out());

        Run outOfRange = run("data", "synth", "--seed", "3", "--train", "5", "--test", "1", "--out",
                dir.resolve("q").toString(), "--reflective", "1.5");
        assertEquals(1, outOfRange.code());
        assertTrue(outOfRange.err().contains("reflective fraction must be in [0, 1]"), outOfRange.err());

        Run bad = run("data", "synth", "--seed", "3", "--train", "5", "--test", "1", "--out",
                dir.resolve("c").toString(), "--difficulty", "easy", "--max-steps", "1");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("steps must satisfy"), bad.err());
    }
}
