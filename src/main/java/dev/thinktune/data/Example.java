package dev.thinktune.data;

import java.util.List;
import java.util.Objects;

/**
 * One question of a training or evaluation set, as read from any format.
 *
 * @param id       a stable identifier (file name and line, or the dataset's own id)
 * @param question the question text as the model sees it (without choices; see {@link #choices})
 * @param answer   the reference final answer (a number, a LaTeX expression, a choice label, "yes"/"no")
 * @param solution a worked solution when the dataset has one, else empty
 * @param choices  the answer options of a multiple-choice question, else empty
 * @param type     how a predicted answer is compared with {@link #answer}
 */
public record Example(String id, String question, String answer, String solution, List<Choice> choices,
                      AnswerType type) implements java.io.Serializable {

    public Example {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        solution = solution == null ? "" : solution;
        choices = choices == null ? List.of() : List.copyOf(choices);
        Objects.requireNonNull(type, "type");
    }

    /**
     * A well-spread 64-bit key of {@link #id} (FNV-1a over its UTF-16 units): what seeds the random choices made
     * for this question in a training step, so they do not depend on where it sits in the step or on which
     * machine it is worked on.
     */
    public long seedKey() {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    /** The labels of the choices, in order; empty for a question without choices. */
    public List<String> labels() {
        return choices.stream().map(Choice::label).toList();
    }

    /** One answer option: its label ("A", "1") and its text. */
    public record Choice(String label, String text) implements java.io.Serializable {
    }

    /** How answers of an example are compared. */
    public enum AnswerType {
        /** a number (GSM8K, AIME): numeric comparison */
        NUMBER,
        /** a mathematical expression (MATH): normalised LaTeX, numeric where possible */
        MATH,
        /** a choice label among {@link #choices} */
        CHOICE,
        /** yes or no */
        YES_NO
    }
}
