package dev.thinktune.data;

import dev.thinktune.data.SyntheticTasks.Difficulty;
import dev.thinktune.data.SyntheticTasks.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SyntheticTasksTest {

    /** One arithmetic step of a worked solution: "12 + 5 = 17". */
    private static final Pattern STEP = Pattern.compile("(\\d+) ([-+*/]) (\\d+) = (\\d+)");

    @TempDir
    Path dir;

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws IOException {
        SyntheticTasks gen = new SyntheticTasks(Difficulty.MEDIUM);
        SyntheticTasks.write(gen.split(42, 300, 50), dir.resolve("a"));
        SyntheticTasks.write(gen.split(42, 300, 50), dir.resolve("b"));
        SyntheticTasks.write(gen.split(43, 300, 50), dir.resolve("c"));
        for (String file : List.of("train.jsonl", "test.jsonl")) {
            byte[] a = Files.readAllBytes(dir.resolve("a").resolve(file));
            assertArrayEquals(a, Files.readAllBytes(dir.resolve("b").resolve(file)), file);
            assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c").resolve(file))), file);
        }
    }

    @Test
    void workedSolutionsRecomputeToTheAnswerWithinTheDifficulty() {
        for (Difficulty d : List.of(Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD,
                new Difficulty(1, 6, 30, 500))) {
            SyntheticTasks.Split split = new SyntheticTasks(d).split(7, 400, 0);
            Set<Integer> stepCounts = new HashSet<>();
            for (Task t : split.train()) {
                String[] lines = t.solution().split("\n");
                assertTrue(lines.length >= d.minSteps() && lines.length <= d.maxSteps(), t.solution());
                stepCounts.add(lines.length);
                Integer previous = null;
                for (String line : lines) {
                    Matcher m = STEP.matcher(line);
                    if (!m.find()) {
                        fail("no arithmetic step in line '" + line + "'");
                    }
                    long a = Long.parseLong(m.group(1));
                    long b = Long.parseLong(m.group(3));
                    long c = Long.parseLong(m.group(4));
                    long expected = switch (m.group(2)) {
                        case "+" -> a + b;
                        case "-" -> a - b;
                        case "*" -> a * b;
                        default -> {
                            assertEquals(0, a % b, "exact division in '" + line + "'");
                            yield a / b;
                        }
                    };
                    assertEquals(expected, c, line);
                    assertTrue(c >= 2 && c <= d.maxResult(), "result in range: " + line);
                    assertFalse(m.find(), "one step a line: " + line);
                    if (previous != null) {
                        assertTrue(a == previous || b == previous, "each step uses the previous result: " + line);
                    }
                    previous = (int) c;
                }
                assertEquals(previous.intValue(), t.answer(), t.solution());
                assertTrue(t.gsm8kAnswer().endsWith("\n#### " + t.answer()));
                assertTrue(t.question().endsWith("?"), t.question());
            }
            assertEquals(d.maxSteps() - d.minSteps() + 1, stepCounts.size(), "every step count occurs: " + d);
        }
    }

    @Test
    void trainAndTestAreDisjointAndHaveNoDuplicates() {
        SyntheticTasks.Split split = new SyntheticTasks(Difficulty.EASY).split(5, 2000, 500);
        assertEquals(2000, split.train().size());
        assertEquals(500, split.test().size());
        Set<String> train = new HashSet<>(split.train().stream().map(Task::question).toList());
        Set<String> test = new HashSet<>(split.test().stream().map(Task::question).toList());
        assertEquals(2000, train.size());
        assertEquals(500, test.size());
        train.retainAll(test);
        assertTrue(train.isEmpty(), "shared questions: " + train);
    }

    @Test
    void gsm8kReaderReadsTheWrittenFiles() throws IOException {
        SyntheticTasks.Split split = new SyntheticTasks(Difficulty.MEDIUM).split(11, 120, 30);
        SyntheticTasks.write(split, dir);
        List<Example> train = Datasets.readAll("gsm8k", dir.resolve(SyntheticTasks.TRAIN_FILE));
        List<Example> test = Datasets.readAll("gsm8k", dir.resolve(SyntheticTasks.TEST_FILE));
        assertEquals(120, train.size());
        assertEquals(30, test.size());
        for (int i = 0; i < train.size(); i++) {
            assertEquals(split.train().get(i).toExample("train.jsonl:" + (i + 1)), train.get(i));
        }
    }

    @Test
    void difficultyIsValidatedAndTooSmallASpaceIsReported() {
        assertThrows(IllegalArgumentException.class, () -> new Difficulty(3, 2, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new Difficulty(1, 2, 1, 100));
        assertThrows(IllegalArgumentException.class, () -> Difficulty.byName("extreme"));
        assertEquals(Difficulty.HARD, Difficulty.byName("Hard"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SyntheticTasks(new Difficulty(1, 1, 2, 10)).split(1, 100_000, 0, 50));
        assertTrue(e.getMessage().contains("distinct problems"), e.getMessage());
    }
}
