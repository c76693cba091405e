package dev.thinktune.teacher;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * ThinkTuning's guidance of one step (see "Guided rollouts" in the objective):
 * <ol>
 *   <li>Each group is guided with probability {@code fraction} (a fraction of 1 guides every group, 0 none),
 *       decided by a generator seeded from {@code seed} and the group's question ({@link
 *       dev.thinktune.data.Example#seedKey}), so a group's choices do not depend on its place in the step.</li>
 *   <li>In a guided group, {@code gamma} responses (fewer if fewer qualify) are picked at random among those
 *       that ended with a stop id (finish reason EOS: not truncated, not cut at a stop string; not already
 *       guided), and each gets a behaviour drawn uniformly from the configured list, with the same
 *       generator.</li>
 *   <li>The teacher is asked once for the whole step ({@link Teacher#reply} with every query), so a teacher can
 *       answer them concurrently. It sees the question and the student's answer, decoded from the response ids
 *       without their final stop id, special tokens skipped.</li>
 *   <li>The augmented response is the student's ids as sampled without their final stop id, then the ids of
 *       {@code "\n\n" + reason + "\n\n" + phrase} (encoded without special tokens), then the same stop id the
 *       student ended with. The teacher mask is true on exactly the appended ids, the stop id included, which
 *       the teacher wrote. When it would exceed {@code maxResponseTokens}, the teacher's text is cut to fit,
 *       the stop id kept, and it is counted as truncated; when not even one teacher token fits, the response is
 *       left unguided (and counted as truncated).</li>
 *   <li>A failed reply (did not parse, timed out, errored) leaves its response unguided, is counted, and is
 *       returned with its reason ({@link Guide.Failure}).</li>
 * </ol>
 * Groups and responses keep their order; only picked responses change.
 */
public final class TeacherGuide implements Guide {

    private final Teacher teacher;
    private final Tokenizer tokenizer;
    private final int gamma;
    private final int maxResponseTokens;
    private final List<Behavior> behaviors;

    /**
     * @param teacher           writes the reflections
     * @param tokenizer         the student's tokenizer (decodes answers, encodes the teacher's text)
     * @param gamma             responses guided per guided group (at least 1)
     * @param maxResponseTokens the most ids an augmented response may have, its stop id included
     * @param behaviors         the behaviours to draw from (at least one)
     */
    public TeacherGuide(Teacher teacher, Tokenizer tokenizer, int gamma, int maxResponseTokens,
                        List<Behavior> behaviors) {
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (gamma < 1) {
            throw new IllegalArgumentException("gamma must be >= 1, got " + gamma);
        }
        if (maxResponseTokens < 2) {
            throw new IllegalArgumentException("maxResponseTokens must be >= 2, got " + maxResponseTokens);
        }
        if (behaviors == null || behaviors.isEmpty()) {
            throw new IllegalArgumentException("at least one behaviour is needed");
        }
        this.gamma = gamma;
        this.maxResponseTokens = maxResponseTokens;
        this.behaviors = List.copyOf(behaviors);
    }

    @Override
    public Result guide(List<RolloutGroup> groups, double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("guided fraction must be in [0, 1], got " + fraction);
        }
        List<Pick> picks = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            SplittableRandom rng = new SplittableRandom(Mixing.mix(seed, groups.get(g).example().seedKey()));
            double coin = rng.nextDouble();
            if (fraction == 0 || (fraction < 1 && coin >= fraction)) {
                continue;
            }
            List<Trajectory> trajectories = groups.get(g).trajectories();
            List<Integer> finished = new ArrayList<>();
            for (int i = 0; i < trajectories.size(); i++) {
                Trajectory t = trajectories.get(i);
                if (t.finishReason() == FinishReason.EOS && t.length() > 0 && !t.guided()) {
                    finished.add(i);
                }
            }
            int take = Math.min(gamma, finished.size());
            for (int k = 0; k < take; k++) { // partial Fisher-Yates: the first `take` of a random permutation
                int j = k + rng.nextInt(finished.size() - k);
                Integer swap = finished.get(k);
                finished.set(k, finished.get(j));
                finished.set(j, swap);
                picks.add(new Pick(g, finished.get(k), behaviors.get(rng.nextInt(behaviors.size()))));
            }
        }
        if (picks.isEmpty()) {
            return new Result(List.copyOf(groups), Stats.NONE);
        }
        List<TeacherQuery> queries = new ArrayList<>(picks.size());
        for (Pick p : picks) {
            RolloutGroup group = groups.get(p.group);
            int[] ids = group.trajectories().get(p.response).responseIds();
            String answer = tokenizer.decode(Arrays.copyOf(ids, ids.length - 1), true);
            queries.add(new TeacherQuery(group.example(), questionText(group.example()), answer, p.behavior));
        }
        List<TeacherReply> replies = ask(queries);

        List<List<Trajectory>> out = new ArrayList<>();
        groups.forEach(group -> out.add(new ArrayList<>(group.trajectories())));
        int guided = 0;
        int parseFailures = 0;
        int teacherFailures = 0;
        int truncated = 0;
        List<Failure> failures = new ArrayList<>();
        for (int q = 0; q < picks.size(); q++) {
            Pick p = picks.get(q);
            TeacherReply reply = replies.get(q);
            if (reply instanceof TeacherReply.Failure f && f.kind() == TeacherReply.Kind.PARSE) {
                parseFailures++;
                failures.add(new Failure(p.group, p.response, f.kind(), f.message()));
            } else if (!(reply instanceof TeacherReply.Reflection r)) { // an error, a timeout, or no reply at all
                teacherFailures++;
                failures.add(reply instanceof TeacherReply.Failure f
                        ? new Failure(p.group, p.response, f.kind(), f.message())
                        : new Failure(p.group, p.response, TeacherReply.Kind.ERROR, "no reply"));
            } else {
                Assembly a = assemble(out.get(p.group).get(p.response).responseIds(), r, p.behavior);
                truncated += a.truncated ? 1 : 0;
                if (a.trajectory != null) {
                    out.get(p.group).set(p.response, a.trajectory);
                    guided++;
                }
            }
        }
        List<RolloutGroup> result = new ArrayList<>(groups.size());
        for (int g = 0; g < groups.size(); g++) {
            result.add(groups.get(g).withTrajectories(out.get(g)));
        }
        return new Result(List.copyOf(result),
                new Stats(picks.size(), guided, parseFailures, teacherFailures, truncated), failures);
    }

    /**
     * The augmented trajectory of a student response and a reflection, or (null, truncated) when no teacher token
     * fits under the length limit.
     */
    Assembly assemble(int[] studentIds, TeacherReply.Reflection reflection, Behavior behavior) {
        int stop = studentIds[studentIds.length - 1];
        int kept = studentIds.length - 1;
        int[] teacherIds = tokenizer.encode("\n\n" + reflection.reason() + "\n\n" + reflection.phrase(), false);
        int room = maxResponseTokens - kept - 1;
        boolean cut = teacherIds.length > room;
        int appended = Math.min(teacherIds.length, Math.max(room, 0));
        if (appended == 0) {
            return new Assembly(null, cut);
        }
        int[] ids = new int[kept + appended + 1];
        boolean[] mask = new boolean[ids.length];
        System.arraycopy(studentIds, 0, ids, 0, kept);
        System.arraycopy(teacherIds, 0, ids, kept, appended);
        ids[ids.length - 1] = stop;
        Arrays.fill(mask, kept, ids.length, true);
        return new Assembly(new Trajectory(ids, mask, FinishReason.EOS, true, behavior.id()), cut);
    }

    record Assembly(Trajectory trajectory, boolean truncated) {
    }

    private List<TeacherReply> ask(List<TeacherQuery> queries) {
        List<TeacherReply> replies;
        try {
            replies = teacher.reply(queries);
        } catch (RuntimeException e) { // a broken teacher costs this step its guidance, not the run
            TeacherReply failure = new TeacherReply.Failure(TeacherReply.Kind.ERROR,
                    teacher.name() + " failed: " + e);
            return Collections.nCopies(queries.size(), failure);
        }
        if (replies == null || replies.size() != queries.size()) {
            throw new IllegalStateException("teacher " + teacher.name() + " answered "
                    + (replies == null ? "null" : replies.size() + " replies") + " to " + queries.size() + " queries");
        }
        return replies;
    }

    /** The question as the teacher is shown it: the question text, and the choices of a choice question. */
    static String questionText(Example example) {
        String q = example.question().strip();
        return example.choices().isEmpty() ? q : q + "\n\n" + PromptFormatter.renderChoices(example.choices());
    }

    private record Pick(int group, int response, Behavior behavior) {
    }

    @Override
    public String toString() {
        return "teacher guide (" + teacher.name() + ", gamma " + gamma + ", behaviours "
                + behaviors.stream().map(Behavior::id).toList() + ")";
    }
}
