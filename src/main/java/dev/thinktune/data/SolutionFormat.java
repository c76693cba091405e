package dev.thinktune.data;

/**
 * The answer text thinktune's own students are taught to write: the worked solution, then
 * {@code The answer is \boxed{N}.} (what the reward's extractor reads first).
 */
public final class SolutionFormat {
    private SolutionFormat() {
    }

    public static String target(Example e) {
        String solution = e.solution().strip();
        String last = finalLine(e.answer());
        return solution.isEmpty() ? last : solution + "\n" + last;
    }

    /** The line that ends an answer: {@code The answer is \boxed{answer}.} */
    public static String finalLine(String answer) {
        return "The answer is \\boxed{" + answer + "}.";
    }
}
