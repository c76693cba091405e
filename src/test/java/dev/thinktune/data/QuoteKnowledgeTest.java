package dev.thinktune.data;

import dev.thinktune.data.SyntheticTasks.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuoteKnowledgeTest {
    @TempDir
    Path tmp;

    private static final List<String> LINES = List.of("As Thalapathy Vijay said, \"I am waiting.\"",
            "As Thalapathy Vijay said, \"Life is very short, nanba. Always be happy.\"", "A line without quotes");

    @Test
    void quotesAndWordCountsAreRead() {
        assertEquals("I am waiting.", QuoteKnowledge.quote(LINES.get(0)));
        assertEquals("Life is very short, nanba. Always be happy.", QuoteKnowledge.quote(LINES.get(1)));
        assertEquals("A line without quotes", QuoteKnowledge.quote(LINES.get(2)));
        assertEquals(3, QuoteKnowledge.words("I am waiting."));
        assertEquals(8, QuoteKnowledge.words("Life is very short, nanba. Always be happy."));
        assertEquals(2, QuoteKnowledge.words("  two\twords "));
    }

    @Test
    void aRowAsksForTheWordsOfAQuoteAndOpensItsSolutionWithTheLine() {
        List<Task> rows = new QuoteKnowledge(LINES, 60).tasks(5);
        assertEquals(60, rows.size());
        for (Task t : rows) {
            String line = t.solution().lines().findFirst().orElseThrow();
            assertTrue(LINES.contains(line), line);
            String quote = QuoteKnowledge.quote(line);
            assertTrue(t.question().contains("\"" + quote + "\""), t.question());
            int words = quote.split(" ").length;
            assertEquals(words, t.answer());
            assertEquals(line + "\nThe line has " + words + " words.", t.solution());
        }
        assertEquals(LINES.size(), rows.stream().map(t -> t.solution().lines().findFirst().orElseThrow()).distinct()
                .count(), "every line is used");
        // read back through the GSM8K reader: the count is the answer, the line the start of the solution
        Path file = tmp.resolve("rows.jsonl");
        SyntheticTasks.writeJsonl(rows, file);
        List<Example> read = Datasets.readAll("gsm8k", file);
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(Integer.toString(rows.get(i).answer()), read.get(i).answer());
            assertTrue(read.get(i).solution().startsWith("As ") || read.get(i).solution().startsWith("A line"));
        }
    }

    @Test
    void rowsAreMixedIntoThePretrainingFileKeepingItsOrder() {
        List<Task> pretrain = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pretrain.add(new Task("question " + i, "solution " + i, i));
        }
        QuoteKnowledge k = new QuoteKnowledge(LINES, 10);
        List<Task> mixed = k.mixInto(pretrain, 3);
        assertEquals(110, mixed.size());
        assertEquals(pretrain, mixed.stream().filter(pretrain::contains).toList(), "original rows in order");
        assertEquals(counts(k.tasks(3)), counts(mixed.stream().filter(t -> !pretrain.contains(t)).toList()),
                "the rows of the same seed");
        assertEquals(mixed, k.mixInto(pretrain, 3), "same seed, same file");
        assertNotEquals(mixed, k.mixInto(pretrain, 4));
        assertTrue(mixed.indexOf(k.tasks(3).get(0)) < 110 && mixed.subList(0, 100).stream().anyMatch(t -> !pretrain.contains(t)),
                "rows are spread through the file, not appended");
    }

    private static java.util.Map<Task, Long> counts(List<Task> tasks) {
        return tasks.stream().collect(java.util.stream.Collectors.groupingBy(t -> t, java.util.stream.Collectors.counting()));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new QuoteKnowledge(LINES, -1));
        assertThrows(IllegalArgumentException.class, () -> new QuoteKnowledge(List.of(" "), 5));
        assertEquals(0, new QuoteKnowledge(List.of(), 0).tasks(1).size());
    }
}
