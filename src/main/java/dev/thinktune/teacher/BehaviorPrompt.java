package dev.thinktune.teacher;

import dev.thinktune.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The teacher prompt of one behaviour: instructions, few-shot demonstrations, and optional closing lines.
 * Model teachers send it as a conversation ({@link #messages}): the instructions as the system message, each
 * demonstration as a user turn (question and student answer, {@link #userMessage}) and an assistant turn (the
 * reply), then the query as the last user turn.
 *
 * <p>Closing lines are the hook for teaching a new habit, such as ending every reflection with a quote: the
 * {@code reference} teacher appends one of them (picked from the query) to the end of each reason it writes. Model
 * teachers see them only through the instructions and demonstrations of the prompt file that lists them.
 *
 * @param behavior       the behaviour demonstrated
 * @param source         where the prompt was read from (for messages)
 * @param system         the instructions
 * @param demonstrations the few-shot examples, in order
 * @param closingLines   lines the reference teacher ends a reason with (empty: none)
 * @param referenceReasons reasons the reference teacher writes instead of its built-in phrasings (empty: the
 *                       built-in ones); {@code {mine}} and {@code {it}} name the student's answer as there
 */
public record BehaviorPrompt(Behavior behavior, String source, String system, List<Demonstration> demonstrations,
                             List<String> closingLines, List<String> referenceReasons) {

    /** A prompt without reference reasons. */
    public BehaviorPrompt(Behavior behavior, String source, String system, List<Demonstration> demonstrations,
                          List<String> closingLines) {
        this(behavior, source, system, demonstrations, closingLines, List.of());
    }

    public BehaviorPrompt {
        Objects.requireNonNull(behavior, "behavior");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(system, "system");
        demonstrations = List.copyOf(demonstrations);
        closingLines = List.copyOf(closingLines);
        referenceReasons = List.copyOf(referenceReasons);
    }

    /**
     * One few-shot example: a question, a student's answer, and the reply the teacher should give.
     *
     * @param question      the question
     * @param studentAnswer the student's answer
     * @param reply         the teacher's reply, in the tag format {@link ReplyParser} reads
     */
    public record Demonstration(String question, String studentAnswer, String reply) {
        public Demonstration {
            Objects.requireNonNull(question, "question");
            Objects.requireNonNull(studentAnswer, "studentAnswer");
            Objects.requireNonNull(reply, "reply");
        }
    }

    /** The conversation that asks for a reflection on {@code studentAnswer} to {@code question}. */
    public List<ChatMessage> messages(String question, String studentAnswer) {
        List<ChatMessage> out = new ArrayList<>(2 + 2 * demonstrations.size());
        out.add(ChatMessage.system(system));
        for (Demonstration d : demonstrations) {
            out.add(ChatMessage.user(userMessage(d.question(), d.studentAnswer())));
            out.add(ChatMessage.assistant(d.reply()));
        }
        out.add(ChatMessage.user(userMessage(question, studentAnswer)));
        return out;
    }

    /** The user turn that shows the teacher a question and an answer. */
    public static String userMessage(String question, String studentAnswer) {
        return "Question:\n" + question.strip() + "\n\nStudent's answer:\n" + studentAnswer.strip();
    }

    /** The closing line for a query, chosen by {@code pick} (any int; empty when there are no closing lines). */
    public String closingLine(int pick) {
        return closingLines.isEmpty() ? "" : closingLines.get(Math.floorMod(pick, closingLines.size()));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s prompt from %s (%d demonstrations, %d closing lines)",
                behavior.id(), source, demonstrations.size(), closingLines.size());
    }
}
