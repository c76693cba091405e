package dev.thinktune.rollout;

/**
 * One response of a group as the trainer sees it: the student's sampled ids, possibly extended by a teacher.
 *
 * @param responseIds  the response ids (the end-of-sequence id last when it ended with one)
 * @param teacherMask  true on the ids written by the teacher (h = 1), false on the student's own
 * @param finishReason why the response ended (a guided one ends with EOS)
 * @param guided       whether a teacher extended it
 * @param behavior     the reflection behaviour the teacher used, or empty when not guided
 */
public record Trajectory(int[] responseIds, boolean[] teacherMask, FinishReason finishReason, boolean guided,
                         String behavior) {

    public Trajectory {
        if (responseIds.length != teacherMask.length) {
            throw new IllegalArgumentException("one teacher-mask entry per response id");
        }
        behavior = behavior == null ? "" : behavior;
    }

    /** The student's own completion, unguided. */
    public static Trajectory of(Completion c) {
        return new Trajectory(c.tokenIds(), new boolean[c.tokenIds().length], c.finishReason(), false, "");
    }

    public int length() {
        return responseIds.length;
    }

    public boolean endedWithEos() {
        return finishReason == FinishReason.EOS;
    }

    public int teacherTokens() {
        int n = 0;
        for (boolean b : teacherMask) {
            n += b ? 1 : 0;
        }
        return n;
    }
}
