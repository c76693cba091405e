package dev.thinktune.teacher;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection of responses and assembly of augmented trajectories. */
class TeacherGuideTest {

    private static final String REASON = "Wait, let me re-check my steps. 3 + 4 is 7, not 8.";
    private static final String PHRASE = "So 3 + 4 = 7. So the answer is \\boxed{7}.";
    private static final List<Behavior> ALL = List.of(Behavior.values());

    private static Tokenizer tok;
    private static int eot;
    private static int endOfText;

    @BeforeAll
    static void tokenizer() {
        tok = TestModels.fixtureTokenizer();
        eot = tok.tokenId("<|eot_id|>").orElseThrow();
        endOfText = tok.tokenId("<|end_of_text|>").orElseThrow();
    }

    /** A teacher that answers every query with {@code answer(query)} and records what it was asked. */
    private static final class ScriptedTeacher implements Teacher {
        final List<List<TeacherQuery>> calls = new CopyOnWriteArrayList<>();
        final Function<TeacherQuery, TeacherReply> answer;

        ScriptedTeacher(Function<TeacherQuery, TeacherReply> answer) {
            this.answer = answer;
        }

        static ScriptedTeacher reflecting() {
            return new ScriptedTeacher(q -> new TeacherReply.Reflection("incorrect", REASON, PHRASE));
        }

        @Override
        public List<TeacherReply> reply(List<TeacherQuery> queries) {
            calls.add(List.copyOf(queries));
            return queries.stream().map(answer).toList();
        }

        @Override
        public String name() {
            return "scripted";
        }

        int queries() {
            return calls.stream().mapToInt(List::size).sum();
        }
    }

    private static Example example(int i) {
        return new Example("q" + i, "What is 3 + 4?", "7", "3 + 4 = 7", List.of(), Example.AnswerType.NUMBER);
    }

    private static int[] ids(String text, int stop) {
        int[] t = tok.encode(text, false);
        int[] out = Arrays.copyOf(t, t.length + 1);
        out[t.length] = stop;
        return out;
    }

    private static Trajectory finished(String text) {
        return new Trajectory(ids(text, eot), new boolean[ids(text, eot).length], FinishReason.EOS, false, "");
    }

    private static Trajectory cut(String text, FinishReason reason) {
        int[] t = tok.encode(text, false);
        return new Trajectory(t, new boolean[t.length], reason, false, "");
    }

    private static RolloutGroup group(int i, List<Trajectory> trajectories) {
        return new RolloutGroup(example(i), "prompt " + i, new int[]{0, 5, 6}, trajectories);
    }

    /** {@code count} groups of {@code n} finished answers each. */
    private static List<RolloutGroup> groups(int count, int n) {
        List<RolloutGroup> out = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            List<Trajectory> ts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ts.add(finished("Answer " + g + "." + i + ": 3 + 4 = " + (6 + i % 3) + ". \\boxed{" + (6 + i % 3) + "}"));
            }
            out.add(group(g, ts));
        }
        return out;
    }

    private static TeacherGuide guide(Teacher teacher, int gamma, int maxTokens) {
        return new TeacherGuide(teacher, tok, gamma, maxTokens, ALL);
    }

    /** (group, response, behaviour) of every guided trajectory. */
    private static List<String> picks(Guide.Result r) {
        List<String> out = new ArrayList<>();
        for (int g = 0; g < r.groups().size(); g++) {
            List<Trajectory> ts = r.groups().get(g).trajectories();
            for (int i = 0; i < ts.size(); i++) {
                if (ts.get(i).guided()) {
                    out.add(g + ":" + i + ":" + ts.get(i).behavior());
                }
            }
        }
        return out;
    }

    @Test
    void augmentedResponseIsStudentIdsThenTeacherTextThenTheStopId() {
        // The student's ids are per-character tokens: decoding and re-encoding them would merge them, so equal
        // ids prove that the student part was kept as sampled.
        String studentText = "I think 3 + 4 = 8.";
        int[] student = studentText.chars().flatMap(c -> Arrays.stream(tok.encode(Character.toString(c), false)))
                .toArray();
        assertFalse(Arrays.equals(student, tok.encode(studentText, false)), "the test needs non-canonical ids");
        int[] withStop = Arrays.copyOf(student, student.length + 1);
        withStop[student.length] = eot;
        Trajectory t = new Trajectory(withStop, new boolean[withStop.length], FinishReason.EOS, false, "");

        Guide.Result r = guide(ScriptedTeacher.reflecting(), 1, 512)
                .guide(List.of(group(0, List.of(t))), 1.0, 3);

        Trajectory a = r.groups().get(0).trajectories().get(0);
        int[] teacherIds = tok.encode("\n\n" + REASON + "\n\n" + PHRASE, false);
        int[] expected = new int[student.length + teacherIds.length + 1];
        System.arraycopy(student, 0, expected, 0, student.length);
        System.arraycopy(teacherIds, 0, expected, student.length, teacherIds.length);
        expected[expected.length - 1] = eot;
        assertArrayEquals(expected, a.responseIds());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(i >= student.length, a.teacherMask()[i], "teacher mask at " + i);
        }
        assertEquals(teacherIds.length + 1, a.teacherTokens());
        assertEquals("\n\n" + REASON + "\n\n" + PHRASE,
                tok.decode(Arrays.copyOfRange(a.responseIds(), student.length, expected.length - 1)));
        assertEquals(FinishReason.EOS, a.finishReason());
        assertTrue(a.guided());
        assertTrue(ALL.stream().map(Behavior::id).toList().contains(a.behavior()));
        assertEquals(new Guide.Stats(1, 1, 0, 0, 0), r.stats());
    }

    @Test
    void theAugmentedResponseEndsWithTheStopIdTheStudentEndedWith() {
        int[] student = ids("3 + 4 = 8", endOfText);
        Trajectory t = new Trajectory(student, new boolean[student.length], FinishReason.EOS, false, "");
        Trajectory a = guide(ScriptedTeacher.reflecting(), 1, 512).guide(List.of(group(0, List.of(t))), 1.0, 1)
                .groups().get(0).trajectories().get(0);
        assertEquals(endOfText, a.responseIds()[a.length() - 1]);
        assertFalse(Arrays.stream(a.responseIds()).limit(a.length() - 1).anyMatch(id -> id == endOfText));
    }

    @Test
    void teacherPartIsCutAtTheLengthLimitKeepingTheStopId() {
        int[] student = ids("3 + 4 = 8", eot);
        int teacherTokens = tok.encode("\n\n" + REASON + "\n\n" + PHRASE, false).length;
        int limit = (student.length - 1) + 3 + 1; // the student's ids, 3 teacher tokens, the stop id
        Trajectory t = new Trajectory(student, new boolean[student.length], FinishReason.EOS, false, "");
        Guide.Result r = guide(ScriptedTeacher.reflecting(), 1, limit).guide(List.of(group(0, List.of(t))), 1.0, 1);
        Trajectory a = r.groups().get(0).trajectories().get(0);
        assertTrue(teacherTokens > 3);
        assertEquals(limit, a.length());
        assertEquals(eot, a.responseIds()[limit - 1]);
        assertArrayEquals(Arrays.copyOf(student, student.length - 1), Arrays.copyOf(a.responseIds(), student.length - 1));
        assertEquals(4, a.teacherTokens());
        assertEquals(new Guide.Stats(1, 1, 0, 0, 1), r.stats());
    }

    @Test
    void aResponseThatExactlyFitsIsNotTruncated() {
        int[] student = ids("3 + 4 = 8", eot);
        int teacherTokens = tok.encode("\n\n" + REASON + "\n\n" + PHRASE, false).length;
        Trajectory t = new Trajectory(student, new boolean[student.length], FinishReason.EOS, false, "");
        Guide.Result r = guide(ScriptedTeacher.reflecting(), 1, student.length + teacherTokens)
                .guide(List.of(group(0, List.of(t))), 1.0, 1);
        assertEquals(student.length + teacherTokens, r.groups().get(0).trajectories().get(0).length());
        assertEquals(0, r.stats().truncated());
    }

    @Test
    void noRoomForAnyTeacherTokenLeavesTheResponseUnguided() {
        int[] student = ids("3 + 4 = 8", eot);
        Trajectory t = new Trajectory(student, new boolean[student.length], FinishReason.EOS, false, "");
        Guide.Result r = guide(ScriptedTeacher.reflecting(), 1, student.length)
                .guide(List.of(group(0, List.of(t))), 1.0, 1);
        assertSame(t, r.groups().get(0).trajectories().get(0));
        assertEquals(new Guide.Stats(1, 0, 0, 0, 1), r.stats());
    }

    @Test
    void onlyAnswersThatEndedWithAStopIdAreSelected() {
        List<Trajectory> ts = List.of(cut("3 + 4 = 8 and then", FinishReason.LENGTH), cut("3 + 4", FinishReason.STOP),
                finished("3 + 4 = 8"), cut("3 + 4 = ", FinishReason.LENGTH));
        for (long seed = 0; seed < 30; seed++) {
            Guide.Result r = guide(ScriptedTeacher.reflecting(), 3, 512).guide(List.of(group(0, ts)), 1.0, seed);
            assertEquals(1, r.stats().selected());
            assertEquals(List.of(2), guidedIndices(r.groups().get(0)));
        }
    }

    @Test
    void aGroupWithoutFinishedAnswersAsksNothing() {
        ScriptedTeacher teacher = ScriptedTeacher.reflecting();
        List<Trajectory> ts = List.of(cut("3 + 4 = 8 and", FinishReason.LENGTH), cut("3 +", FinishReason.STOP));
        Guide.Result r = guide(teacher, 2, 512).guide(List.of(group(0, ts)), 1.0, 5);
        assertEquals(Guide.Stats.NONE, r.stats());
        assertEquals(ts, r.groups().get(0).trajectories());
        assertTrue(teacher.calls.isEmpty());
    }

    @Test
    void gammaAnswersAreGuidedPerGroupOrAllFinishedOnesWhenFewer() {
        Guide.Result r = guide(ScriptedTeacher.reflecting(), 3, 512).guide(groups(5, 8), 1.0, 11);
        for (RolloutGroup g : r.groups()) {
            assertEquals(3, guidedIndices(g).size());
        }
        assertEquals(15, r.stats().guided());

        Guide.Result all = guide(ScriptedTeacher.reflecting(), 10, 512).guide(groups(2, 4), 1.0, 11);
        for (RolloutGroup g : all.groups()) {
            assertEquals(List.of(0, 1, 2, 3), guidedIndices(g));
        }
    }

    @Test
    void theSameSeedSelectsTheSameAnswersAndBehavioursAndAnotherSeedDoesNot() {
        List<RolloutGroup> groups = groups(20, 8);
        List<String> first = picks(guide(ScriptedTeacher.reflecting(), 2, 512).guide(groups, 0.5, 7));
        List<String> again = picks(guide(ScriptedTeacher.reflecting(), 2, 512).guide(groups, 0.5, 7));
        List<String> other = picks(guide(ScriptedTeacher.reflecting(), 2, 512).guide(groups, 0.5, 8));
        assertFalse(first.isEmpty());
        assertEquals(first, again);
        assertNotEquals(first, other);
    }

    @Test
    void fractionZeroGuidesNothingAndAsksNothing() {
        ScriptedTeacher teacher = ScriptedTeacher.reflecting();
        List<RolloutGroup> groups = groups(10, 4);
        Guide.Result r = guide(teacher, 1, 512).guide(groups, 0.0, 3);
        assertEquals(Guide.Stats.NONE, r.stats());
        assertEquals(groups, r.groups());
        assertTrue(teacher.calls.isEmpty());
    }

    @Test
    void fractionOneGuidesEveryGroupAndAFractionGuidesAboutThatShare() {
        Guide.Result all = guide(ScriptedTeacher.reflecting(), 1, 512).guide(groups(30, 2), 1.0, 3);
        assertTrue(all.groups().stream().allMatch(g -> guidedIndices(g).size() == 1));

        Guide.Result some = guide(ScriptedTeacher.reflecting(), 1, 512).guide(groups(400, 2), 0.3, 3);
        long guidedGroups = some.groups().stream().filter(g -> !guidedIndices(g).isEmpty()).count();
        assertTrue(guidedGroups > 90 && guidedGroups < 150, "guided groups at fraction 0.3: " + guidedGroups);
    }

    @Test
    void behavioursAreDrawnFromTheConfiguredList() {
        TeacherGuide g = new TeacherGuide(ScriptedTeacher.reflecting(), tok, 1, 512,
                List.of(Behavior.SELF_CRITIQUE, Behavior.SELF_AGREEMENT));
        Set<String> seen = new HashSet<>();
        g.guide(groups(60, 2), 1.0, 9).groups().forEach(grp -> grp.trajectories().stream()
                .filter(Trajectory::guided).forEach(t -> seen.add(t.behavior())));
        assertEquals(Set.of("self-critique", "self-agreement"), seen);
    }

    @Test
    void allBehavioursAppearWhenAllAreConfigured() {
        ScriptedTeacher teacher = ScriptedTeacher.reflecting();
        guide(teacher, 1, 512).guide(groups(80, 2), 1.0, 9);
        Set<Behavior> asked = EnumSet.noneOf(Behavior.class);
        teacher.calls.forEach(c -> c.forEach(q -> asked.add(q.behavior())));
        assertEquals(EnumSet.allOf(Behavior.class), asked);
    }

    @Test
    void theTeacherIsAskedOnceForTheWholeStep() {
        ScriptedTeacher teacher = ScriptedTeacher.reflecting();
        guide(teacher, 2, 512).guide(groups(6, 4), 1.0, 1);
        assertEquals(1, teacher.calls.size());
        assertEquals(12, teacher.queries());
    }

    @Test
    void theTeacherSeesTheQuestionAndTheAnswerWithoutItsStopId() {
        ScriptedTeacher teacher = ScriptedTeacher.reflecting();
        Example choice = new Example("c1", "Which gas do plants take in?", "B", "",
                List.of(new Example.Choice("A", "oxygen"), new Example.Choice("B", "carbon dioxide")),
                Example.AnswerType.CHOICE);
        Trajectory t = finished("Plants take in carbon dioxide. \\boxed{B}");
        new TeacherGuide(teacher, tok, 1, 512, List.of(Behavior.SELF_CONSULTANCY))
                .guide(List.of(new RolloutGroup(choice, "p", new int[]{1}, List.of(t))), 1.0, 2);
        TeacherQuery q = teacher.calls.get(0).get(0);
        assertEquals("Plants take in carbon dioxide. \\boxed{B}", q.studentAnswer());
        assertEquals("Which gas do plants take in?\n\nA. oxygen\nB. carbon dioxide", q.question());
        assertEquals(Behavior.SELF_CONSULTANCY, q.behavior());
        assertSame(choice, q.example());
    }

    @Test
    void failedRepliesAreCountedAndLeaveTheirAnswersUnguided() {
        List<TeacherReply> script = List.of(
                new TeacherReply.Failure(TeacherReply.Kind.PARSE, "no tags"),
                new TeacherReply.Failure(TeacherReply.Kind.TIMEOUT, "slow"),
                new TeacherReply.Failure(TeacherReply.Kind.ERROR, "HTTP 500"),
                new TeacherReply.Reflection("correct", REASON, PHRASE));
        int[] call = {0};
        ScriptedTeacher teacher = new ScriptedTeacher(q -> script.get(call[0]++));
        List<RolloutGroup> groups = groups(4, 3);
        Guide.Result r = guide(teacher, 1, 512).guide(groups, 1.0, 4);
        assertEquals(new Guide.Stats(4, 1, 1, 2, 0), r.stats());
        long changed = 0;
        for (int g = 0; g < 4; g++) {
            for (int i = 0; i < 3; i++) {
                Trajectory before = groups.get(g).trajectories().get(i);
                Trajectory after = r.groups().get(g).trajectories().get(i);
                if (after != before) {
                    changed++;
                    assertEquals(3, g, "only the last query got a reflection");
                }
            }
        }
        assertEquals(1, changed);
    }

    @Test
    void aTeacherThatThrowsCostsTheStepItsGuidanceOnly() {
        Teacher broken = new Teacher() {
            @Override
            public List<TeacherReply> reply(List<TeacherQuery> queries) {
                throw new IllegalStateException("connection pool exhausted");
            }

            @Override
            public String name() {
                return "broken";
            }
        };
        List<RolloutGroup> groups = groups(3, 2);
        Guide.Result r = guide(broken, 1, 512).guide(groups, 1.0, 4);
        assertEquals(new Guide.Stats(3, 0, 0, 3, 0), r.stats());
        assertEquals(groups, r.groups());
    }

    @Test
    void groupsAndResponsesKeepTheirOrderAndEverythingElse() {
        List<RolloutGroup> groups = groups(5, 4);
        Guide.Result r = guide(ScriptedTeacher.reflecting(), 1, 512).guide(groups, 1.0, 21);
        assertEquals(groups.size(), r.groups().size());
        for (int g = 0; g < groups.size(); g++) {
            RolloutGroup before = groups.get(g);
            RolloutGroup after = r.groups().get(g);
            assertSame(before.example(), after.example());
            assertEquals(before.promptText(), after.promptText());
            assertSame(before.promptIds(), after.promptIds());
            for (int i = 0; i < 4; i++) {
                Trajectory b = before.trajectories().get(i);
                Trajectory a = after.trajectories().get(i);
                if (a.guided()) {
                    int[] prefix = Arrays.copyOf(b.responseIds(), b.length() - 1);
                    assertArrayEquals(prefix, Arrays.copyOf(a.responseIds(), prefix.length));
                } else {
                    assertSame(b, a);
                }
            }
        }
    }

    @Test
    void invalidArgumentsAreRefused() {
        Teacher t = ScriptedTeacher.reflecting();
        assertThrows(IllegalArgumentException.class, () -> new TeacherGuide(t, tok, 0, 512, ALL));
        assertThrows(IllegalArgumentException.class, () -> new TeacherGuide(t, tok, 1, 512, List.of()));
        TeacherGuide g = guide(t, 1, 512);
        assertThrows(IllegalArgumentException.class, () -> g.guide(groups(1, 1), 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> g.guide(groups(1, 1), Double.NaN, 1));
    }

    private static List<Integer> guidedIndices(RolloutGroup g) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < g.trajectories().size(); i++) {
            if (g.trajectories().get(i).guided()) {
                out.add(i);
            }
        }
        return out;
    }
}
