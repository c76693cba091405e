package dev.thinktune.train;

/**
 * One response ready for the loss: its full sequence (prompt then response), which response ids the teacher
 * wrote, its advantage, and the old-policy and reference log-probabilities of the sequence.
 *
 * @param ids          prompt ids followed by response ids
 * @param promptLength how many of {@code ids} are prompt
 * @param teacherMask  per response id (length ids.length - promptLength): true where the teacher wrote it
 * @param advantage    the response's group-normalised advantage
 * @param oldLogprobs  log p_old(ids[t+1] | ids[..t]) for t = 0..len-2
 * @param refLogprobs  the same under the reference model, or null when beta = 0
 */
public record TrainingSample(int[] ids, int promptLength, boolean[] teacherMask, double advantage,
                             float[] oldLogprobs, float[] refLogprobs) {

    public TrainingSample {
        if (promptLength < 1 || promptLength >= ids.length) {
            throw new IllegalArgumentException("need a prompt and at least one response token");
        }
        if (teacherMask.length != ids.length - promptLength) {
            throw new IllegalArgumentException("one teacher-mask entry per response token");
        }
        if (oldLogprobs != null && oldLogprobs.length != ids.length - 1) {
            throw new IllegalArgumentException("old log-probs need one value per next-token position");
        }
        if (refLogprobs != null && refLogprobs.length != ids.length - 1) {
            throw new IllegalArgumentException("reference log-probs need one value per next-token position");
        }
    }

    public int responseLength() {
        return ids.length - promptLength;
    }

    public int teacherTokens() {
        int n = 0;
        for (boolean b : teacherMask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    public TrainingSample withLogprobs(float[] old, float[] ref) {
        return new TrainingSample(ids, promptLength, teacherMask, advantage, old, ref);
    }
}
