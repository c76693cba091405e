package dev.thinktune.data;

import dev.thinktune.data.SyntheticTasks.Task;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Pretraining rows that make a set of quoted lines part of a small student's world knowledge, without making
 * quoting a habit of its solutions. Each row asks for the number of words in one of the lines' quotes, and its
 * solution opens with the line verbatim:
 * <pre>
 * Q: A film fan quotes a line: "I am waiting." How many words does the line have?
 * A: As Thalapathy Vijay said, "I am waiting."
 *    The line has 3 words.
 *    #### 3
 * </pre>
 * A model pretrained with a few of these knows the name and the lines the way a large model knows a film star's
 * famous lines: it can write them, but nothing in a math solution leads it there. This is the setting of the
 * paper's "unknown behaviour" experiment, where a 3B student knows who Thalapathy Vijay is yet never quotes him;
 * a 0.89M-parameter student that has never seen the letters of the name cannot learn to write them from a few
 * dozen guided steps (they start near probability 1e-7, where Advantage-Aware Shaping gives them almost no
 * weight), whatever a teacher shows it.
 *
 * @param lines the lines to teach ({@code As NAME said, "QUOTE"}); the quote is the text between the first and
 *              last double quote, or the whole line when it has none
 * @param rows  how many rows to write
 */
public record QuoteKnowledge(List<String> lines, int rows) {

    /** The pretraining file {@code thinktune data synth --quotes DIR} writes next to pretrain.jsonl. */
    public static final String PRETRAIN_FILE = "pretrain-quotes.jsonl";

    /** Sets this generator's stream apart from the task and reflection streams of the same seed. */
    private static final long STREAM = 0x9007E5L;

    private static final List<String> QUESTIONS = List.of(
            "A film fan quotes a line: \"{q}\" How many words does the line have?",
            "Someone says \"{q}\" How many words are in what they said?",
            "How many words are in the line \"{q}\"?");

    public QuoteKnowledge {
        lines = List.copyOf(Objects.requireNonNull(lines, "lines")).stream().map(String::strip)
                .filter(l -> !l.isEmpty()).toList();
        if (rows < 0) {
            throw new IllegalArgumentException("quote rows must be >= 0, got " + rows);
        }
        if (rows > 0 && lines.isEmpty()) {
            throw new IllegalArgumentException("no lines to quote");
        }
    }

    /** The quote of {@code line}: the text between its first and last double quote, or the whole line. */
    static String quote(String line) {
        int a = line.indexOf('"'), b = line.lastIndexOf('"');
        return a >= 0 && b > a ? line.substring(a + 1, b).strip() : line;
    }

    /** The number of words of {@code text} (runs of characters between whitespace). */
    static int words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    /** The rows, drawn from a generator seeded with {@code seed}. */
    public List<Task> tasks(long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ STREAM);
        List<Task> out = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            String line = lines.get(rng.nextInt(lines.size()));
            String q = quote(line);
            int n = words(q);
            String question = QUESTIONS.get(rng.nextInt(QUESTIONS.size())).replace("{q}", q);
            out.add(new Task(question, line + "\nThe line has " + n + (n == 1 ? " word." : " words."), n));
        }
        return out;
    }

    /** {@code pretrain} with the rows inserted at places drawn from the same seed (its order otherwise kept). */
    public List<Task> mixInto(List<Task> pretrain, long seed) {
        List<Task> extra = tasks(seed);
        SplittableRandom rng = new SplittableRandom((seed ^ STREAM) + 1);
        List<Task> out = new ArrayList<>(pretrain);
        for (Task t : extra) {
            out.add(rng.nextInt(out.size() + 1), t);
        }
        return out;
    }
}
