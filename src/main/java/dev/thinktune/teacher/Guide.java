package dev.thinktune.teacher;

import dev.thinktune.rollout.RolloutGroup;

import java.util.List;

/**
 * Guidance of one training step: in each group, picks responses for a teacher to extend and returns the
 * groups with those responses replaced by their augmented trajectories (teacher mask on the appended ids).
 */
public interface Guide {

    /**
     * @param groups   the step's groups, as sampled
     * @param fraction the scheduled guided fraction in [0, 1]: the probability that a group is guided
     * @param seed     seeds the choice of groups, responses and behaviours
     */
    Result guide(List<RolloutGroup> groups, double fraction, long seed);

    /** Groups after guidance, with what happened. */
    record Result(List<RolloutGroup> groups, Stats stats) {
    }

    /**
     * @param selected        responses sent to the teacher
     * @param guided          responses replaced by an augmented trajectory
     * @param parseFailures   replies that did not parse (left unguided)
     * @param teacherFailures teacher errors and timeouts (left unguided)
     * @param truncated       augmented trajectories whose teacher part was cut at the length limit
     */
    record Stats(int selected, int guided, int parseFailures, int teacherFailures, int truncated) {
        public static final Stats NONE = new Stats(0, 0, 0, 0, 0);
    }

    /** No guidance at all (plain GRPO). */
    Guide NONE = (groups, fraction, seed) -> new Result(groups, Stats.NONE);
}
