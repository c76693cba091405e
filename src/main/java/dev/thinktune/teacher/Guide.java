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
     * @param seed     seeds the choice of groups, responses and behaviours (with each group's question, not its
     *                 index, so the choices for a question do not depend on the other groups passed with it)
     */
    Result guide(List<RolloutGroup> groups, double fraction, long seed);

    /**
     * Groups after guidance, with what happened.
     *
     * @param failures the teacher's failed replies, in the order the responses were picked
     */
    record Result(List<RolloutGroup> groups, Stats stats, List<Failure> failures) {
        public Result {
            failures = List.copyOf(failures);
        }

        /** A result without failed replies. */
        public Result(List<RolloutGroup> groups, Stats stats) {
            this(groups, stats, List.of());
        }

        /** Whether every reply the teacher was asked for failed (none when it was asked for none). */
        public boolean allFailed() {
            return stats.allFailed();
        }
    }

    /**
     * A response whose teacher reply failed, and why.
     *
     * @param group    the group's index in the step
     * @param response the response's index in its group
     * @param kind     a reply that did not parse, a timeout, or another error
     * @param reason   the teacher's message (an HTTP status and body, the unparsed reply...)
     */
    record Failure(int group, int response, TeacherReply.Kind kind, String reason) implements java.io.Serializable {
        /** The failure as one line: its kind and reason. */
        public String describe() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + ": " + reason;
        }
    }

    /**
     * @param selected        responses sent to the teacher
     * @param guided          responses replaced by an augmented trajectory
     * @param parseFailures   replies that did not parse (left unguided)
     * @param teacherFailures teacher errors and timeouts (left unguided)
     * @param truncated       augmented trajectories whose teacher part was cut at the length limit
     */
    record Stats(int selected, int guided, int parseFailures, int teacherFailures, int truncated)
            implements java.io.Serializable {
        public static final Stats NONE = new Stats(0, 0, 0, 0, 0);

        /** The counts of two sets of groups together. */
        public Stats plus(Stats o) {
            return new Stats(selected + o.selected, guided + o.guided, parseFailures + o.parseFailures,
                    teacherFailures + o.teacherFailures, truncated + o.truncated);
        }

        /** Whether every reply the teacher was asked for failed (none when it was asked for none). */
        public boolean allFailed() {
            return selected > 0 && parseFailures + teacherFailures == selected;
        }
    }

    /** No guidance at all (plain GRPO). */
    Guide NONE = (groups, fraction, seed) -> new Result(groups, Stats.NONE);
}
