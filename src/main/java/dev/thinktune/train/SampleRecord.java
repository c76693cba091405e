package dev.thinktune.train;

import java.util.Map;

/**
 * One response of a training step as written to {@code samples.jsonl}: what the student (and the teacher, on a
 * guided response) wrote, how it was scored, and the advantage it was trained with.
 *
 * @param step          the training step (1-based)
 * @param questionId    the example's id
 * @param question      the question text
 * @param index         the response's place in its group
 * @param guided        whether a teacher extended it
 * @param behavior      the teacher's reflection behaviour, empty when not guided
 * @param tokens        response tokens
 * @param teacherTokens tokens written by the teacher
 * @param finish        why the response ended ({@code eos} or {@code length})
 * @param reward        the total reward
 * @param terms         the score of each reward term
 * @param advantage     the group-normalised advantage
 * @param text          the response text (special tokens dropped)
 * @param teacherFailure why the teacher's reply for this response failed (its kind and message), empty when the
 *                       teacher was not asked or answered
 */
public record SampleRecord(int step, String questionId, String question, int index, boolean guided, String behavior,
                           int tokens, int teacherTokens, String finish, double reward, Map<String, Double> terms,
                           double advantage, String text, String teacherFailure) implements java.io.Serializable {
    public SampleRecord {
        teacherFailure = teacherFailure == null ? "" : teacherFailure;
    }
}
