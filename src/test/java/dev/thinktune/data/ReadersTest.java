package dev.thinktune.data;

import dev.thinktune.data.Example.AnswerType;
import dev.thinktune.data.Example.Choice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every benchmark reader on a small good file and on malformed rows. */
class ReadersTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private DataFormatException strictError(String format, Path file) {
        return assertThrows(DataFormatException.class, () -> Datasets.readAll(format, file));
    }

    private static List<String> messages(ReadResult r) {
        return r.firstErrors().stream().map(DataFormatException::getMessage).toList();
    }

    @Test
    void mathTakesTheAnswerFieldElseTheLastBoxedOfTheSolution() throws IOException {
        Path f = write("math.jsonl", """
                {"problem": "Compute $1/2 + 1/4$.", "solution": "We get $\\\\boxed{\\\\frac{3}{4}}$.", "answer": "\\\\frac{3}{4}", "unique_id": "test/algebra/1.json"}
                {"problem": "Find x.", "solution": "First \\\\boxed{1}, then $x = \\\\boxed{\\\\frac{1}{2}}$."}
                {"problem": "No answer.", "solution": "Nothing boxed."}
                {"problem": "No solution either."}
                {"solution": "\\\\boxed{2}"}
                """);
        ReadResult r = Datasets.read("math", f, ReadOptions.lenient());
        assertEquals(List.of(
                new Example("test/algebra/1.json", "Compute $1/2 + 1/4$.", "\\frac{3}{4}",
                        "We get $\\boxed{\\frac{3}{4}}$.", List.of(), AnswerType.MATH),
                new Example("math.jsonl:2", "Find x.", "\\frac{1}{2}",
                        "First \\boxed{1}, then $x = \\boxed{\\frac{1}{2}}$.", List.of(), AnswerType.MATH)),
                r.examples());
        assertEquals(List.of(
                f + ":3: answer: missing, and the solution has no \\boxed{} answer",
                f + ":4: answer: missing, and there is no solution",
                f + ":5: problem: missing"), messages(r));
    }

    @Test
    void aimeAcceptsTheFieldSpellingsOfCommonReleases() throws IOException {
        Path f = write("aime.jsonl", """
                {"id": 60, "problem": "Find m+n.", "answer": "033", "solution": "..."}
                {"ID": "2024-I-2", "Problem": "Find xy.", "Answer": 25}
                {"question": "Find the remainder.", "answer": 204}
                {"Question": "Q?", "answer": "one hundred"}
                {"problem": "Q?", "answer": [1]}
                {"problem": "Q?"}
                """);
        ReadResult r = Datasets.read("aime", f, ReadOptions.lenient());
        assertEquals(List.of(
                new Example("60", "Find m+n.", "033", "...", List.of(), AnswerType.NUMBER),
                new Example("2024-I-2", "Find xy.", "25", "", List.of(), AnswerType.NUMBER),
                new Example("aime.jsonl:3", "Find the remainder.", "204", "", List.of(), AnswerType.NUMBER)),
                r.examples());
        assertEquals(List.of(
                f + ":4: answer: expected a number, got 'one hundred'",
                f + ":5: answer: expected a string or a number, got a list",
                f + ":6: answer: missing (also looked for Answer)"), messages(r));
    }

    private static final String CSQA_GOOD = "{\"answerKey\": \"A\", \"id\": \"075e483d21c29a511267ef62bedc0461\", "
            + "\"question\": {\"question_concept\": \"punishing\", \"choices\": [{\"label\": \"A\", \"text\": \"ignore\"},"
            + " {\"label\": \"B\", \"text\": \"enforce\"}, {\"label\": \"C\", \"text\": \"authoritarian\"}, "
            + "{\"label\": \"D\", \"text\": \"yell at\"}, {\"label\": \"E\", \"text\": \"avoid\"}], "
            + "\"stem\": \"The sanctions against the school were a punishing blow, and they seemed to what the "
            + "efforts the school had made to change?\"}}";

    @Test
    void commonsenseQaReadsStemChoicesAndKey() throws IOException {
        Path f = write("csqa.jsonl", CSQA_GOOD + "\n"
                + CSQA_GOOD.replace("\"answerKey\": \"A\"", "\"answerKey\": \"F\"") + "\n"
                + CSQA_GOOD.replace(", {\"label\": \"E\", \"text\": \"avoid\"}", "") + "\n"
                + CSQA_GOOD.replace("{\"label\": \"B\", \"text\": \"enforce\"}", "{\"label\": \"B\"}") + "\n"
                + CSQA_GOOD.replace("\"stem\": \"The", "\"stem\": 5, \"x\": \"The") + "\n");
        ReadResult r = Datasets.read("commonsenseqa", f, ReadOptions.lenient());
        assertEquals(1, r.examples().size());
        Example e = r.examples().get(0);
        assertEquals("075e483d21c29a511267ef62bedc0461", e.id());
        assertEquals("A", e.answer());
        assertEquals(AnswerType.CHOICE, e.type());
        assertEquals(List.of(new Choice("A", "ignore"), new Choice("B", "enforce"), new Choice("C", "authoritarian"),
                new Choice("D", "yell at"), new Choice("E", "avoid")), e.choices());
        assertEquals(List.of(
                f + ":2: answerKey: 'F' is not one of the labels A, B, C, D, E",
                f + ":3: question.choices: expected 5 choices, got 4",
                f + ":4: question.choices[1].text: missing",
                f + ":5: question.stem: expected a string, got a number"), messages(r));
        DataFormatException strict = strictError("commonsenseqa", f);
        assertEquals(2, strict.line());
        assertEquals("answerKey", strict.field());
    }

    @Test
    void arcAllowsThreeToFiveChoicesAndNumericLabels() throws IOException {
        Path f = write("arc.jsonl", """
                {"id": "Mercury_1", "question": {"stem": "Which is a mammal?", "choices": [{"text": "shark", "label": "1"}, {"text": "whale", "label": "2"}, {"text": "trout", "label": "3"}]}, "answerKey": "2"}
                {"id": "Mercury_2", "question": {"stem": "Two?", "choices": [{"text": "a", "label": "A"}, {"text": "b", "label": "B"}]}, "answerKey": "A"}
                {"id": "Mercury_3", "question": {"stem": "Dup?", "choices": [{"text": "a", "label": "A"}, {"text": "b", "label": "A"}, {"text": "c", "label": "C"}]}, "answerKey": "A"}
                {"id": "Mercury_4", "question": {"stem": "List?", "choices": {"A": "a"}}, "answerKey": "A"}
                """);
        ReadResult r = Datasets.read("arc", f, ReadOptions.lenient());
        assertEquals(List.of(new Example("Mercury_1", "Which is a mammal?", "2", "",
                List.of(new Choice("1", "shark"), new Choice("2", "whale"), new Choice("3", "trout")),
                AnswerType.CHOICE)), r.examples());
        assertEquals(List.of(
                f + ":2: question.choices: expected 3 to 5 choices, got 2",
                f + ":3: question.choices[1].label: label 'A' appears twice",
                f + ":4: question.choices: expected a list, got an object"), messages(r));
    }

    @Test
    void mmluProLabelsOptionsAToJ() throws IOException {
        Path f = write("mmlu.jsonl", """
                {"question_id": 70, "question": "Typical advertising regulatory bodies suggest?", "options": ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"], "answer": "I", "answer_index": 8, "cot_content": "", "category": "business"}
                {"question_id": 71, "question": "Q?", "options": ["a", "b", "c"], "answer": "D", "answer_index": 3}
                {"question_id": 72, "question": "Q?", "options": ["a", "b", "c"], "answer": "B", "answer_index": 2}
                {"question_id": 73, "question": "Q?", "options": "a, b", "answer": "A"}
                {"question_id": 74, "question": "Q?", "options": ["a", "b"], "answer": "B", "answer_index": "1"}
                """);
        ReadResult r = Datasets.read("mmlu-pro", f, ReadOptions.lenient());
        assertEquals(1, r.examples().size());
        Example e = r.examples().get(0);
        assertEquals("70", e.id());
        assertEquals("I", e.answer());
        assertEquals(List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J"), e.labels());
        assertEquals(new Choice("I", "o8"), e.choices().get(8));
        assertEquals(List.of(
                f + ":2: answer: 'D' is not one of the labels A to C",
                f + ":3: answer_index: 2 does not agree with answer 'B' (index 1)",
                f + ":4: options: expected a list, got a string",
                f + ":5: answer_index: expected an integer, got a string"), messages(r));
    }

    private static final String GPQA_HEADER = "Pre-Revision Question,Question,Correct Answer,Incorrect Answer 1,"
            + "Incorrect Answer 2,Incorrect Answer 3,Explanation,Record ID\n";

    @Test
    void gpqaShufflesEachRowWithSeedPlusIndexAndKeepsTheCorrectAnswer() throws IOException {
        StringBuilder csv = new StringBuilder(GPQA_HEADER);
        for (int i = 0; i < 40; i++) {
            csv.append("old,\"Question ").append(i).append(",\nwith a comma and a \"\"quote\"\"\",right ").append(i)
                    .append(",wrong a,wrong b,wrong c,\"because\",rec").append(i).append('\n');
        }
        Path f = write("gpqa.csv", csv.toString());
        List<Example> rows = Datasets.read("gpqa", f, ReadOptions.strict().withSeed(7)).examples();
        assertEquals(40, rows.size());
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            Example e = rows.get(i);
            assertEquals("Question " + i + ",\nwith a comma and a \"quote\"", e.question());
            assertEquals("rec" + i, e.id());
            assertEquals("because", e.solution());
            assertEquals(List.of("A", "B", "C", "D"), e.labels());
            Choice correct = e.choices().stream().filter(c -> c.label().equals(e.answer())).findFirst().orElseThrow();
            assertEquals("right " + i, correct.text());
            assertEquals(Set.of("right " + i, "wrong a", "wrong b", "wrong c"),
                    Set.copyOf(e.choices().stream().map(Choice::text).toList()));
            keys.add(e.answer());
        }
        assertEquals(Set.of("A", "B", "C", "D"), keys, "40 shuffles put the correct answer everywhere");
        assertEquals(rows, Datasets.read("gpqa", f, ReadOptions.strict().withSeed(7)).examples(), "deterministic");
        List<String> otherSeed = Datasets.read("gpqa", f, ReadOptions.strict().withSeed(8)).examples().stream()
                .map(Example::answer).toList();
        assertNotEquals(rows.stream().map(Example::answer).toList(), otherSeed);
        // a row's shuffle depends on the seed and its index only, not on the rows around it
        Path tail = write("tail.csv", GPQA_HEADER + csv.substring(csv.indexOf("old,\"Question 1,")));
        Example shifted = Datasets.read("gpqa", tail, ReadOptions.strict().withSeed(8)).examples().get(0);
        assertEquals(rows.get(1).question(), shifted.question());
        assertEquals(Datasets.read("gpqa", f, ReadOptions.strict().withSeed(7)).examples().get(1).choices(),
                shifted.choices(), "row 1 with seed 7 is row 0 with seed 8");
    }

    @Test
    void gpqaErrorsNameTheStartingLineOfMultiLineRecords() throws IOException {
        Path f = write("gpqa.csv", GPQA_HEADER
                + "old,\"Multi\nline\nquestion\",r,w1,w2,w3,e,id1\n"
                + "old,Q2,r,,w2,w3,e,id2\n"
                + "old,Q3,r,w1,w2\n"
                + "old,Q4,r,w1,w2,w3,e,id4\n"
                + "old,\"Q5 never closed,r,w1,w2,w3,e,id5\n");
        ReadResult r = Datasets.read("gpqa", f, ReadOptions.lenient());
        assertEquals(List.of("id1", "id4"), r.examples().stream().map(Example::id).toList());
        assertEquals(List.of(
                f + ":5: Incorrect Answer 1: empty",
                f + ":6: csv: expected 8 fields as in the header, got 5",
                f + ":8: csv: the quoted field in the record starting on line 8 is never closed; reading stops here"), messages(r));
        Path noColumn = write("nocol.csv", "Question,Correct Answer\nq,a\n");
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Datasets.read("gpqa", noColumn, ReadOptions.lenient()));
        assertEquals(noColumn + ":1: Incorrect Answer 1: missing column; the header has [Question, Correct Answer]",
                e.getMessage());
    }

    @Test
    void strategyQaReadsBigBenchTargetScores() throws IOException {
        Path f = write("task.json", """
                {
                  "name": "strategyqa",
                  "examples": [
                    {
                      "input": "Are more people today related to Genghis Khan than Julius Caesar?",
                      "target_scores": {"Yes": 1, "No": 0},
                      "target": "Yes. Julius Caesar had three children."
                    },
                    {"input": "Q: Could a llama birth twice during the War in Vietnam?\\nA:", "target_scores": {"Yes": 0, "No": 1}},
                    {"input": "Tie?", "target_scores": {"Yes": 1, "No": 1}},
                    {"input": "Maybe?", "target_scores": {"Maybe": 1}},
                    {"target_scores": {"Yes": 1, "No": 0}}
                  ],
                  "metrics": ["multiple_choice_grade"]
                }
                """);
        ReadResult r = Datasets.read("strategyqa", f, ReadOptions.lenient());
        assertEquals(List.of(
                new Example("task.json:4", "Are more people today related to Genghis Khan than Julius Caesar?", "yes",
                        "Yes. Julius Caesar had three children.", List.of(), AnswerType.YES_NO),
                new Example("task.json:9", "Could a llama birth twice during the War in Vietnam?", "no", "",
                        List.of(), AnswerType.YES_NO)), r.examples());
        assertEquals(List.of(
                f + ":10: examples[2].target_scores: no single highest-scoring answer",
                f + ":11: examples[3].target_scores.Maybe: expected only the keys Yes and No",
                f + ":12: examples[4].input: missing"), messages(r));
    }

    @Test
    void strategyQaReadsTheOriginalReleaseAndStopsAtBrokenJson() throws IOException {
        Path original = write("strategyqa_train.json", """
                [{"qid": "b8677742616fef051f00", "term": "Genghis Khan", "question": "Are more people today related to Genghis Khan than Julius Caesar?", "answer": true},
                 {"qid": "4668264df84fb7c25b39", "question": "Could the members of The Police perform lawful arrests?", "answer": false}]
                """);
        assertEquals(List.of("yes", "no"), Datasets.readAll("strategyqa", original).stream().map(Example::answer)
                .toList());
        assertEquals("b8677742616fef051f00", Datasets.readAll("strategyqa", original).get(0).id());

        Path broken = write("broken.json", "{\"examples\": [\n{\"input\": \"A?\", \"target_scores\": {\"Yes\": 1}},\n"
                + "{\"input\": \"B?\", \"target_scores\": {\"Yes\": 1,,}}\n]}\n");
        ReadResult r = Datasets.read("strategyqa", broken, ReadOptions.lenient());
        assertEquals(1, r.examples().size());
        assertEquals(1, r.failedRows());
        assertEquals(3, r.firstErrors().get(0).line());
        assertEquals("json", r.firstErrors().get(0).field());
        assertThrows(DataFormatException.class, () -> Datasets.readAll("strategyqa", broken));
    }

    @Test
    void genericJsonlWithDottedPaths() throws IOException {
        Path f = write("generic.jsonl", """
                {"item": {"q": "2+2?", "meta": {"gold": "#### 4"}}, "work": "2+2=4", "uid": "x1"}
                {"item": {"q": "Pick", "opts": ["red", "blue"], "meta": {"gold": "blue"}}, "uid": "x2"}
                {"item": {"q": "3+3?", "meta": {"gold": "six"}}}
                """);
        ColumnMapping numbers = new ColumnMapping("item.q", "item.meta.gold", "work", null, "uid", AnswerType.NUMBER);
        ReadResult r = Datasets.read("jsonl", f, ReadOptions.lenient().withMapping(numbers));
        assertEquals(new Example("x1", "2+2?", "4", "2+2=4", List.of(), AnswerType.NUMBER), r.examples().get(0));
        assertEquals(2, r.failedRows());
        assertEquals(List.of(f + ":2: item.meta.gold: expected a number, got 'blue'",
                f + ":3: item.meta.gold: expected a number, got 'six'"), messages(r));

        ColumnMapping choice = new ColumnMapping("item.q", "item.meta.gold", null, "item.opts", "uid",
                AnswerType.CHOICE);
        ReadResult c = Datasets.read("jsonl", f, ReadOptions.lenient().withMapping(choice));
        assertEquals(new Example("x2", "Pick", "B", "", List.of(new Choice("A", "red"), new Choice("B", "blue")),
                AnswerType.CHOICE), c.examples().get(0));
        assertEquals(f + ":1: item.opts: missing", c.firstErrors().get(0).getMessage());
    }

    @Test
    void genericCsvWithChoiceColumnsAndYesNo() throws IOException {
        Path f = write("generic.csv", "question,A,B,C,answer,why\n"
                + "\"Largest, by area?\",Russia,Canada,China,A,\"It spans\ntwo continents\"\n"
                + "Smallest?,Monaco,Vatican,Malta,E,\n");
        ColumnMapping m = new ColumnMapping("question", "answer", "why", "A,B,C", null, AnswerType.CHOICE);
        ReadResult r = Datasets.read("csv", f, ReadOptions.lenient().withMapping(m));
        assertEquals(List.of(new Example("generic.csv:2", "Largest, by area?", "A", "It spans\ntwo continents",
                List.of(new Choice("A", "Russia"), new Choice("B", "Canada"), new Choice("C", "China")),
                AnswerType.CHOICE)), r.examples());
        assertEquals(List.of(f + ":4: answer: 'E' is neither a label (A, B, C) nor the text of a choice"), messages(r));

        Path yn = write("yn.csv", "q,a\nIs water wet?,TRUE\nIs fire cold?,no\nHmm?,perhaps\n");
        ReadResult y = Datasets.read("csv", yn, ReadOptions.lenient().withMapping(
                ColumnMapping.of("q", "a", AnswerType.YES_NO)));
        assertEquals(List.of("yes", "no"), y.examples().stream().map(Example::answer).toList());
        assertEquals(List.of(yn + ":4: a: expected yes/no or true/false, got 'perhaps'"), messages(y));

        DataFormatException missing = assertThrows(DataFormatException.class, () -> Datasets.read("csv", yn,
                ReadOptions.lenient().withMapping(ColumnMapping.of("question", "a", AnswerType.YES_NO))));
        assertEquals("question", missing.field());
    }

    @Test
    void registryKnowsEveryFormatByName() {
        assertEquals(List.of("gsm8k", "math", "aime", "commonsenseqa", "arc", "gpqa", "strategyqa", "mmlu-pro", "csv",
                "jsonl"), DataFormat.ids());
        assertEquals(DataFormat.MMLU_PRO, DataFormat.byId("MMLU-Pro"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> DataFormat.byId("gsm9k"));
        assertTrue(unknown.getMessage().contains("known: gsm8k, math"), unknown.getMessage());
        IllegalArgumentException noMapping = assertThrows(IllegalArgumentException.class,
                () -> DataFormat.CSV.reader(ReadOptions.strict()));
        assertTrue(noMapping.getMessage().contains("column mapping"));
        assertThrows(IllegalArgumentException.class, () -> ColumnMapping.of("q", " ", AnswerType.MATH));
        assertThrows(IllegalArgumentException.class,
                () -> new ColumnMapping("q", "a", null, null, null, AnswerType.CHOICE));
    }

    @Test
    void csvLinesAreTrackedThroughQuotesLineEndingsAndEmptyLines() throws Exception {
        // BOM, CRLF, a quoted field over two lines, an empty line, doubled quotes, a short record on line 7
        Path f = write("lines.csv", "\uFEFFq,a\r\n\"what is\r\n1+1\",2\r\n\r\n\"say \"\"hi\"\"\",3\nshort\n,4\n");
        ReadResult r = Datasets.read("csv", f, ReadOptions.lenient().withMapping(
                ColumnMapping.of("q", "a", AnswerType.MATH)));
        assertEquals(List.of("what is\r\n1+1", "say \"hi\""), r.examples().stream().map(Example::question).toList());
        assertEquals(List.of("2", "3"), r.examples().stream().map(Example::answer).toList());
        assertEquals(List.of(f + ":6: csv: expected 2 fields as in the header, got 1",
                f + ":7: q: empty"), messages(r).stream().map(m -> m.replaceAll("(: q: empty).*", "$1")).toList());

        Path bad = write("bad.csv", "q,a\n1,2\n\"ab\"c,d\n3,4\n");
        ReadResult b = Datasets.read("csv", bad, ReadOptions.lenient().withMapping(
                ColumnMapping.of("q", "a", AnswerType.MATH)));
        assertEquals(List.of("1"), b.examples().stream().map(Example::question).toList(), "reading stops at the error");
        assertEquals(1, messages(b).size());
        assertTrue(messages(b).get(0).equals(bad + ":3: csv: the record starting on line 3 has a character after a closing"
                + " quote (a quote inside a quoted field must be doubled); reading stops here"),
                messages(b).get(0));
    }
}
