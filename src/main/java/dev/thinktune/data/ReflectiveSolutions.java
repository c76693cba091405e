package dev.thinktune.data;

import dev.thinktune.data.SyntheticTasks.Task;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Worked solutions that reflect on themselves, for pretraining thinktune's own small students: a first attempt
 * ending "The answer is \boxed{x}.", a short first-person reflection on it, and the solution worked again. The
 * first attempt is either right or has a slip in its last step (its result off by a little), and the reflection
 * agrees with it or finds the slip. For example:
 * <pre>
 * Mia has 12 apples. She buys 5 more, so she has 12 + 5 = 17 apples.
 * She gives 3 to Tom, so she has 17 - 3 = 13 apples.
 * The answer is \boxed{13}.
 *
 * Wait, I should not trust 13 yet. My last step gives a number that does not fit, so I check it again.
 *
 * Working it out again:
 * Mia has 12 apples. She buys 5 more, so she has 12 + 5 = 17 apples.
 * She gives 3 to Tom, so she has 17 - 3 = 14 apples.
 * #### 14
 * </pre>
 * A student pretrained on a share of these (the rest plain) knows the words and the shape of a reflection, as an
 * instruction-tuned model does, and writes one now and then on its own, so that a teacher's reflections are text
 * it can read rather than noise. None of them quotes anybody: a habit a run teaches later (such as the quote of
 * the "unknown behaviour" prompts) stays new to it.
 *
 * <p>Written in GSM8K's format: the reflection and the second working come before the {@code #### n} line, so
 * {@link Gsm8kFormat} reads the whole text as the solution and n as the answer.
 *
 * @param fraction the share of problems given a reflective solution, in [0, 1]
 */
public record ReflectiveSolutions(double fraction) {

    /** Sets this generator's stream apart from {@link SyntheticTasks#split}'s for the same seed. */
    private static final long STREAM = 0x5EF1EC7105EL;

    /** The result of a solution line: "= 17" (the last one on the line). */
    private static final Pattern RESULT = Pattern.compile("= (\\d+)(?!.*= \\d)");

    public ReflectiveSolutions {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("the reflective fraction must be in [0, 1], got " + fraction);
        }
    }

    /** The pretraining file {@code thinktune data synth --reflective F} writes next to train.jsonl. */
    public static final String PRETRAIN_FILE = "pretrain.jsonl";

    /**
     * Each task of {@code tasks}, with its solution made reflective with probability {@link #fraction()}, drawn
     * from a generator seeded with {@code seed} (a stream apart from the one that made the tasks).
     */
    public List<Task> apply(List<Task> tasks, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ STREAM);
        List<Task> out = new ArrayList<>(tasks.size());
        for (Task t : tasks) {
            out.add(rng.nextDouble() < fraction ? reflect(t, rng) : t);
        }
        return out;
    }

    /** {@code task} with a reflective solution; its question and answer unchanged. */
    public static Task reflect(Task task, SplittableRandom rng) {
        Objects.requireNonNull(task, "task");
        String[] lines = task.solution().split("\n");
        Matcher m = RESULT.matcher(lines[lines.length - 1]);
        boolean slip = m.find() && rng.nextBoolean();
        int first = task.answer();
        String attempt = task.solution();
        if (slip) {
            int right = Integer.parseInt(m.group(1));
            int delta = 1 + rng.nextInt(right > 2 ? 3 : 1);
            int wrong = rng.nextBoolean() || right - delta < 0 ? right + delta : right - delta;
            String last = lines[lines.length - 1];
            lines[lines.length - 1] = last.substring(0, m.start(1)) + wrong + last.substring(m.end(1));
            attempt = String.join("\n", lines);
            first = wrong;
        }
        List<String> reasons = slip ? DOUBTS : CONFIRMATIONS;
        List<String> openers = slip ? REDO : RECHECK;
        String reason = reasons.get(rng.nextInt(reasons.size())).replace("{it}", Integer.toString(first));
        String opener = openers.get(rng.nextInt(openers.size()));
        String text = attempt + "\n" + SolutionFormat.finalLine(Integer.toString(first)) + "\n\n" + reason + "\n\n"
                + opener + "\n" + task.solution();
        return new Task(task.question(), text, task.answer());
    }

    /** Reflections on a right first attempt (verification, agreement, a second opinion). */
    private static final List<String> CONFIRMATIONS = List.of(
            "Let me check my work before I finish. Each step uses the numbers in the question, so {it} looks right.",
            "Wait, is {it} really the answer? I go over the steps once more to be sure.",
            "I agree with my steps. The question asks for one number, and I found it: {it}.",
            "On one hand I worked fast; on the other hand every step follows from the question. I check again.",
            "If my teacher looked at this, I think she would agree with {it}, but she would want me to check it.",
            "Let me read the question again and make sure I answered what it asks. Yes, it asks for {it}.",
            "Part of me wonders if I read the question the right way. Reading it again, I did, and {it} holds.",
            "Let me imagine explaining this to a classmate. She would follow each step and reach {it} too.",
            "Before I finish, let me look for mistakes. I redo the arithmetic and it still gives {it}.");

    /** Reflections on a first attempt with a slip (doubt, critique, a conflict between two readings). */
    private static final List<String> DOUBTS = List.of(
            "Wait, I should not trust {it} yet. My last step gives a number that does not fit, so I check it again.",
            "Hmm, something is off. When I redo my last calculation, I do not get {it}, so I made a mistake.",
            "Let me be critical of my work. The setup is right, but the arithmetic in my last step is wrong.",
            "On one hand {it} came from my steps; on the other hand the last step does not add up. It cannot be both.",
            "If my teacher looked at this, she would point at my last step and ask me to work it out again.",
            "I do not agree with my answer of {it}. The last calculation is wrong, and I need to fix it.",
            "But wait, could the answer be something other than {it}? My last step does not match the question.",
            "Let me imagine explaining this to a classmate. She would stop me at the last step: it is not right.",
            "Before I finish, let me look for mistakes. When I redo the last step, I find that {it} is wrong.");

    private static final List<String> RECHECK = List.of("Checking each step:", "Going over it again:",
            "Working it out again:");

    private static final List<String> REDO = List.of("Fixing the mistake:", "Working it out again:",
            "Here is the right working:");
}
