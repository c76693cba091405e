package dev.thinktune.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.reward.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class Gsm8kFormatTest {

    /** The GSM8K training split, relative to the project root (the tests' working directory). */
    static final Path REAL_TRAIN = Path.of("../shared/data/gsm8k/train.jsonl");

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void readsQuestionAnswerAndCleanSolution() throws IOException {
        Path f = write("g.jsonl", """
                {"question": "Natalia sold 48 clips, then half as many. How many?", "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\\nShe sold 48+24 = <<48+24=72>>72.\\n#### 1,072"}

                {"question": "Debt?", "answer": "It is 5 - 12 = <<5-12=-7>>-7.\\n#### -7", "id": "gsm-2"}
                """);
        List<Example> rows = Datasets.readAll("gsm8k", f);
        assertEquals(List.of(
                new Example("g.jsonl:1", "Natalia sold 48 clips, then half as many. How many?", "1072",
                        "Natalia sold 48/2 = 24 clips in May.\nShe sold 48+24 = 72.", List.of(),
                        Example.AnswerType.NUMBER),
                new Example("gsm-2", "Debt?", "-7", "It is 5 - 12 = -7.", List.of(), Example.AnswerType.NUMBER)),
                rows);
    }

    private static final String MALFORMED = """
            {"question": "Q1", "answer": "1 + 1 = 2\\n#### 2"}
            {"question": "Q2", "answer": "#### 3"
            {"question": "Q3"}
            {"question": 7, "answer": "#### 7"}

            {"question": "Q6", "answer": "so\\n#### seven"}
            [1, 2]
            {"question": "Q8", "answer": "no final line"}
            {"question": "Q9", "answer": "#### 9"}
            """;

    @Test
    void strictReadNamesFileLineAndFieldOfTheFirstBadRow() throws IOException {
        Path f = write("bad.jsonl", MALFORMED);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Datasets.readAll("gsm8k", f));
        assertEquals(f, e.file());
        assertEquals(2, e.line());
        assertEquals("json", e.field());
        assertTrue(e.getMessage().startsWith(f + ":2: json: malformed JSON"), e.getMessage());
    }

    @Test
    void lenientReadCountsBadRowsAndKeepsTheFirstErrors() throws IOException {
        Path f = write("bad.jsonl", MALFORMED);
        ReadResult r = Datasets.read("gsm8k", f, ReadOptions.lenient().withMaxErrors(4));
        assertEquals(List.of("Q1", "Q9"), r.examples().stream().map(Example::question).toList());
        assertEquals(6, r.failedRows());
        assertEquals(4, r.firstErrors().size());
        assertEquals(List.of(2L, 3L, 4L, 6L), r.firstErrors().stream().map(DataFormatException::line).toList());
        assertEquals(List.of("json", "answer", "question", "answer"),
                r.firstErrors().stream().map(DataFormatException::field).toList());
        assertEquals(f + ":3: answer: missing", r.firstErrors().get(1).getMessage());
        assertEquals(f + ":4: question: expected a string, got a number", r.firstErrors().get(2).getMessage());
        assertEquals(f + ":6: answer: the text after #### is not a number: 'seven'",
                r.firstErrors().get(3).getMessage());
        ReadResult all = Datasets.read("gsm8k", f, ReadOptions.lenient());
        assertEquals(f + ":7: json: expected a JSON object, got a list", all.firstErrors().get(4).getMessage());
        assertEquals(f + ":8: answer: no final '#### <number>' line", all.firstErrors().get(5).getMessage());
    }

    @Test
    void realTrainingSplitReadsCompletelyAndEachAnswerVerifiesAgainstItsSolution() throws IOException {
        assumeTrue(Files.isRegularFile(REAL_TRAIN), "GSM8K training split not present at " + REAL_TRAIN);
        ReadResult r = Datasets.read("gsm8k", REAL_TRAIN, ReadOptions.lenient());
        assertEquals(0, r.failedRows(), () -> "errors: " + r.firstErrors());
        assertEquals(7473, r.examples().size());

        Example first = r.examples().get(0);
        assertEquals("72", first.answer());
        assertEquals("train.jsonl:1", first.id());
        assertEquals("Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.",
                first.solution());
        assertTrue(r.examples().stream().noneMatch(e -> e.solution().contains("<<") || e.answer().contains(",")));
        // counted independently with a script over the raw file: 3 negative answers, the largest 192,000,000
        assertEquals(3, r.examples().stream().filter(e -> e.answer().startsWith("-")).count());
        assertEquals("192000000", r.examples().stream().max((a, b) -> Long.compare(Long.parseLong(a.answer()),
                Long.parseLong(b.answer()))).orElseThrow().answer());

        ObjectMapper json = new ObjectMapper();
        List<String> raw = Files.readAllLines(REAL_TRAIN);
        Verifier strict = Verifier.strict();
        for (int i = 0; i < raw.size(); i++) {
            JsonNode row = json.readTree(raw.get(i));
            String worked = row.get("answer").asText();
            Example e = r.examples().get(i);
            assertEquals(row.get("question").asText(), e.question());
            assertTrue(strict.verify(e, worked).correct(), "line " + (i + 1) + ": " + e.answer());
            assertFalse(strict.verify(e, worked.replaceAll("####.*$", "#### " + e.answer() + "1")).correct(),
                    "line " + (i + 1) + " must not verify a wrong answer");
        }
    }
}
