package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.FinishReason;

import java.util.List;
import java.util.Objects;

/**
 * How a strategy answered one question: every turn, and the text whose final answer is scored.
 *
 * @param index      the question's index in its benchmark
 * @param example    the question
 * @param turns      the model's turns in order (one for zero-shot CoT and budget forcing, two for self-verify and
 *                   self-correct)
 * @param answerText the response whose final answer counts (for budget forcing, the whole response with its
 *                   forced parts)
 * @param waits      budget forcing: how many times the thinking was forced to continue; 0 for other strategies
 */
public record Transcript(int index, Example example, List<Turn> turns, String answerText, int waits) {

    public Transcript {
        Objects.requireNonNull(example, "example");
        turns = List.copyOf(turns);
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("a transcript has at least one turn");
        }
        Objects.requireNonNull(answerText, "answerText");
    }

    /**
     * One model turn.
     *
     * @param prompt     the prompt text the turn continued (chat template applied)
     * @param completion the turn's response text (special tokens left out; budget forcing's forced text included)
     * @param tokens     tokens the model generated in this turn (stop ids included, forced text excluded)
     * @param finish     why the turn's last generation ended
     */
    public record Turn(String prompt, String completion, int tokens, FinishReason finish) {
        public Turn {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(completion, "completion");
            Objects.requireNonNull(finish, "finish");
        }
    }

    /** Tokens the model generated over all turns. */
    public int tokens() {
        return turns.stream().mapToInt(Turn::tokens).sum();
    }
}
