package dev.thinktune.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step's metrics need of one response: whether the student's own answer was right, its reward terms
 * before and after guidance, and the final response's length and ending.
 *
 * @param group         the group's index in the step
 * @param response      the response's index in its group
 * @param correct       the student's sampled answer verified correct (before any guidance)
 * @param studentScores each reward term's score of the student's sampled answer
 * @param reward        the final response's total reward
 * @param scores        each reward term's score of the final response
 * @param length        the final response's tokens
 * @param truncated     the final response was cut at the length limit
 */
public record ResponseOutcome(int group, int response, boolean correct, Map<String, Double> studentScores,
                              double reward, Map<String, Double> scores, int length, boolean truncated)
        implements Serializable {
    public ResponseOutcome {
        studentScores = new LinkedHashMap<>(studentScores);
        scores = new LinkedHashMap<>(scores);
    }
}
