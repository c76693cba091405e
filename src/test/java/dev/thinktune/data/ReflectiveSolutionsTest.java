package dev.thinktune.data;

import dev.thinktune.data.SyntheticTasks.Difficulty;
import dev.thinktune.data.SyntheticTasks.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReflectiveSolutionsTest {

    private static final Pattern STEP = Pattern.compile("(\\d+) ([-+*/]) (\\d+) = (\\d+)");
    private static final Pattern FIRST_ANSWER = Pattern.compile("The answer is \\\\boxed\\{(\\d+)}\\.");

    @TempDir
    Path dir;

    private static final List<Task> TASKS = new SyntheticTasks(Difficulty.MEDIUM).split(11, 400, 0).train();

    @Test
    void aReflectiveSolutionIsAFirstAttemptAReflectionAndTheRightWorking() {
        SplittableRandom rng = new SplittableRandom(5);
        int slips = 0;
        int confirmations = 0;
        for (Task t : TASKS) {
            Task r = ReflectiveSolutions.reflect(t, rng);
            assertEquals(t.question(), r.question());
            assertEquals(t.answer(), r.answer());
            String[] parts = r.solution().split("\n\n");
            assertEquals(3, parts.length, r.solution());
            assertTrue(r.solution().endsWith("\n" + t.solution()), "ends with the right working: " + r.solution());

            Matcher boxed = FIRST_ANSWER.matcher(parts[0]);
            assertTrue(boxed.find(), parts[0]);
            int first = Integer.parseInt(boxed.group(1));
            String attempt = parts[0].substring(0, boxed.start()).strip();
            String[] attemptLines = attempt.split("\n");
            String[] rightLines = t.solution().split("\n");
            assertEquals(rightLines.length, attemptLines.length);
            for (int i = 0; i < rightLines.length - 1; i++) {
                assertEquals(rightLines[i], attemptLines[i], "only the last step may slip");
            }
            Matcher step = STEP.matcher(attemptLines[attemptLines.length - 1]);
            assertTrue(step.find());
            assertEquals(first, Integer.parseInt(step.group(4)), "the first answer is the last step's result");
            if (first == t.answer()) {
                confirmations++;
                assertEquals(t.solution(), attempt);
            } else {
                slips++;
                int off = Math.abs(first - t.answer());
                assertTrue(off >= 1 && off <= 3, "a small slip: " + first + " for " + t.answer());
                assertTrue(first >= 0);
            }
            assertTrue(!parts[1].isBlank() && parts[1].indexOf('\n') < 0, "a one-line reflection: " + parts[1]);
            assertTrue(!parts[1].contains("{it}"), parts[1]);
            assertTrue(!parts[1].contains("\"") && !parts[1].contains("said"), "nobody is quoted: " + parts[1]);
        }
        assertTrue(slips > 150 && confirmations > 150, slips + " slips, " + confirmations + " confirmations");
    }

    @Test
    void readsBackAsGsm8kWithTheAnswerUnchanged() {
        List<Task> reflective = new ReflectiveSolutions(1.0).apply(TASKS, 3);
        Path file = dir.resolve("pretrain.jsonl");
        SyntheticTasks.writeJsonl(reflective, file);
        List<Example> read = Datasets.readAll("gsm8k", file);
        assertEquals(TASKS.size(), read.size());
        for (int i = 0; i < read.size(); i++) {
            assertEquals(Integer.toString(TASKS.get(i).answer()), read.get(i).answer());
            assertEquals(reflective.get(i).solution(), read.get(i).solution());
        }
    }

    @Test
    void theFractionChoosesHowManyAndTheSeedWhich() {
        List<Task> none = new ReflectiveSolutions(0).apply(TASKS, 3);
        for (int i = 0; i < TASKS.size(); i++) {
            assertSame(TASKS.get(i), none.get(i));
        }
        List<Task> some = new ReflectiveSolutions(0.25).apply(TASKS, 3);
        long changed = changed(some);
        assertTrue(changed > 70 && changed < 130, "about a quarter of 400: " + changed);
        assertEquals(some, new ReflectiveSolutions(0.25).apply(TASKS, 3), "same seed, same solutions");
        assertNotEquals(some, new ReflectiveSolutions(0.25).apply(TASKS, 4));
        assertEquals(TASKS.size(), changed(new ReflectiveSolutions(1).apply(TASKS, 3)));
        assertThrows(IllegalArgumentException.class, () -> new ReflectiveSolutions(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new ReflectiveSolutions(Double.NaN));
    }

    private static long changed(List<Task> tasks) {
        long n = 0;
        for (int i = 0; i < TASKS.size(); i++) {
            n += tasks.get(i) == TASKS.get(i) ? 0 : 1;
        }
        return n;
    }
}
