package dev.thinktune.teacher;

import dev.thinktune.data.Example;
import dev.thinktune.reward.Verification;
import dev.thinktune.reward.Verifier;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A teacher that needs no model: it writes the reflection and the continuation from the dataset's worked
 * solution ({@link Example#solution()}) and reference answer ({@link Example#answer()}).
 *
 * <p><b>It sees the reference answer, unlike the paper's teacher</b>, which is shown only the question and the
 * student's answer. It exists so that small runs, tests and the default configuration show guidance working on
 * a laptop, without a second model or an API; its reflections are templates, not reasoning. For a run that
 * follows the paper, use the {@code local} or {@code openai} teacher.
 *
 * <p>For each query it judges the student's answer against the reference ({@link Verifier}: the opinion is
 * {@code correct} or {@code incorrect}), writes a first-person reflection of the query's behaviour from a few
 * phrasings per behaviour and opinion, and continues with the worked solution, one step per line, ending
 * "So the answer is \boxed{answer}.". A question without a worked solution gets the answer alone. The
 * phrasings are chosen by a hash of the example id, the behaviour and the student's answer, so the same query
 * always gets the same reply. The reply is rendered in the tag format and read back by {@link ReplyParser}, as
 * a model teacher's reply would be.
 *
 * <p>Closing lines: when the prompt set's prompt of the query's behaviour lists closing lines (see
 * {@link BehaviorPrompt}), one of them, chosen by the same hash, ends the reason. This is how a run teaches a
 * new habit with this teacher, such as the quote of the "unknown behaviour" prompt set. Reference reasons: when
 * the prompt lists them, the reason is one of them (same hash) instead of the built-in phrasings, so a small
 * student can be shown a short reflection.
 */
public final class ReferenceTeacher implements Teacher {

    /** Answers the teacher may quote back to the student; longer ones are referred to as "my answer". */
    private static final int MAX_QUOTED_ANSWER = 24;

    private final PromptSet prompts;
    private final Verifier verifier;
    private final Map<Behavior, Phrasings> phrasings = defaultPhrasings();

    /** The built-in prompts (no closing lines) and lenient answer checking. */
    public ReferenceTeacher() {
        this(PromptSet.builtIn());
    }

    /** Closing lines from {@code prompts}; lenient answer checking. */
    public ReferenceTeacher(PromptSet prompts) {
        this(prompts, Verifier.lenient());
    }

    public ReferenceTeacher(PromptSet prompts, Verifier verifier) {
        this.prompts = Objects.requireNonNull(prompts, "prompts");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    @Override
    public List<TeacherReply> reply(List<TeacherQuery> queries) {
        List<TeacherReply> out = new ArrayList<>(queries.size());
        for (TeacherQuery q : queries) {
            out.add(ReplyParser.parse(write(q)));
        }
        return out;
    }

    /** The reply text for one query, in the tag format. */
    public String write(TeacherQuery q) {
        Example ex = q.example();
        Verification v = verifier.verify(ex, q.studentAnswer());
        boolean correct = v.correct();
        long h = hash(ex.id(), q.behavior(), q.studentAnswer());
        Phrasings p = phrasings.get(q.behavior());
        BehaviorPrompt prompt = prompts.get(q.behavior());
        List<String> reasons = !prompt.referenceReasons().isEmpty() ? prompt.referenceReasons()
                : correct ? p.correctReasons : p.incorrectReasons;
        List<String> openers = correct ? p.correctOpeners : p.incorrectOpeners;
        String reason = fill(reasons.get(pick(h, 0, reasons.size())), v.extracted());
        String closing = prompt.closingLine((int) (h >>> 40));
        if (!closing.isEmpty()) {
            reason = reason + " " + closing;
        }
        String phrase = openers.get(pick(h, 20, openers.size())) + "\n" + solutionSteps(ex)
                + "So the answer is \\boxed{" + ex.answer().strip() + "}.";
        return ReplyParser.render(correct ? "correct" : "incorrect", reason, phrase);
    }

    @Override
    public String name() {
        return "reference";
    }

    /** The worked solution one step per line, each ending with punctuation (empty when there is none). */
    static String solutionSteps(Example ex) {
        StringBuilder sb = new StringBuilder();
        ex.solution().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> {
            sb.append(l);
            char last = l.charAt(l.length() - 1);
            if (".!?:;".indexOf(last) < 0) {
                sb.append('.');
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    private static String fill(String template, Optional<String> extracted) {
        Optional<String> quoted = extracted.map(String::strip)
                .filter(a -> !a.isEmpty() && a.length() <= MAX_QUOTED_ANSWER && a.indexOf('<') < 0
                        && a.indexOf('>') < 0);
        return template
                .replace("{mine}", quoted.map(a -> "my answer of " + a).orElse("my answer"))
                .replace("{it}", quoted.orElse("what I wrote"));
    }

    private static int pick(long hash, int shift, int n) {
        return (int) Math.floorMod(hash >>> shift, (long) n);
    }

    private static long hash(String id, Behavior behavior, String answer) {
        long z = (31L * id.hashCode() + answer.hashCode()) * 31L + behavior.ordinal();
        return Mixing.mix(z, behavior.ordinal());
    }

    private record Phrasings(List<String> correctReasons, List<String> incorrectReasons,
                             List<String> correctOpeners, List<String> incorrectOpeners) {
    }

    private static Map<Behavior, Phrasings> defaultPhrasings() {
        EnumMap<Behavior, Phrasings> m = new EnumMap<>(Behavior.class);
        m.put(Behavior.SELF_CONFLICT, new Phrasings(
                List.of("Hmm, part of me wonders whether I read the question the right way, and another part is "
                                + "sure I did. Weighing the two, {mine} comes straight from the numbers in the "
                                + "question, and nothing in it points to another reading.",
                        "But wait, could the answer be something other than {it}? On one hand my steps look fine; "
                                + "on the other hand I went through them quickly. Going over them again, I find "
                                + "nothing that would change the result.",
                        "I feel pulled two ways here. One voice says to trust {mine}; another says to doubt it. "
                                + "The way to settle it is to work through the problem again and see whether I "
                                + "land in the same place."),
                List.of("Hmm, I am torn about {mine}. On one hand it came out of my calculation; on the other hand "
                                + "something in my steps does not fit what the question asks. Both cannot be "
                                + "right, so I should not trust it yet.",
                        "But wait, could the answer be something other than {it}? One part of me wants to keep "
                                + "it, but another part notices that my working does not match the question. "
                                + "When two readings disagree, I have to check which one holds.",
                        "I feel pulled two ways here. My first result was {it}, yet when I picture the situation "
                                + "in the question, that number does not sit right. Only one of these can be "
                                + "true, and I think it is the doubt."),
                List.of("Settling it by working through the problem again:",
                        "To settle it, I go through the problem once more:"),
                List.of("Settling it by solving the problem again, carefully:",
                        "To settle it, I solve the problem again step by step:")));
        m.put(Behavior.SELF_CRITIQUE, new Phrasings(
                List.of("Wait, let me re-check my steps. I look at each calculation in turn, and each one uses "
                                + "the right numbers from the question and the right operation, so {mine} holds.",
                        "Let me be critical of my own work. Did I use every fact in the question, and did I "
                                + "answer what it actually asks? Yes on both counts, so I stand by {it}.",
                        "Before I finish, let me look for mistakes. The setup matches the question and the "
                                + "arithmetic checks out when I redo it, so I find no flaw in {mine}."),
                List.of("Wait, let me re-check my steps. Something is off: at least one of my calculations does "
                                + "not follow from the question, so {mine} cannot be right.",
                        "Let me be critical of my own work. I rushed the setup and did not use the facts of the "
                                + "question the way it describes them, which is where {it} went wrong.",
                        "Before I finish, let me look for mistakes. When I redo my working, one step does not "
                                + "match what the question says, so {mine} has to be corrected."),
                List.of("Checking each step again:", "Going over the solution step by step:"),
                List.of("Let me redo the solution and fix the mistake:",
                        "Here is the solution with the mistake fixed:")));
        m.put(Behavior.SELF_AGREEMENT, new Phrasings(
                List.of("Let me confirm this another way. Working from the question again, I reach the same "
                                + "result, so yes, I agree with {mine}.",
                        "Yes, that matches. Each fact of the question is used once and in the right way, and I "
                                + "agree with how I set the problem up and with {it}.",
                        "I agree with my own reasoning here: the steps follow from the question, and checking "
                                + "them again gives {it} once more."),
                List.of("I agree with part of my approach: reading the facts of the question was the right "
                                + "start. But when I check the result another way, it does not match {it}, so "
                                + "I cannot agree with the rest.",
                        "Let me see which parts I still agree with. The question is clear about what it asks, "
                                + "and my plan follows it, but {mine} does not survive a second check.",
                        "Some of my work holds, and I keep it; but checking {it} against the question another "
                                + "way gives a different result, so I do not agree with my final step."),
                List.of("Re-deriving it to confirm:", "Building on what holds:"),
                List.of("Keeping what holds and redoing the rest:",
                        "Building on the part I agree with, I solve it again:")));
        m.put(Behavior.SELF_CONSULTANCY, new Phrasings(
                List.of("If I asked my math teacher to look at this, I think she would nod at {mine}, and ask me "
                                + "to show each step once more so that I know why it is right.",
                        "Let me imagine explaining this to a classmate. She would check that I used every number "
                                + "in the question and answered what it asks, and she would agree with {it}.",
                        "What would an expert say about my answer? Probably that the setup is sound and that "
                                + "{mine} follows from it, as long as the working holds up when written out."),
                List.of("If I asked my math teacher to look at this, I think she would point out that {mine} "
                                + "does not answer what the question asks, and tell me to set it up again from "
                                + "the facts given.",
                        "Let me imagine explaining this to a classmate. She would stop me and say that my steps "
                                + "skip or misuse a fact from the question, so {it} cannot be right.",
                        "What would an expert say about my answer? Probably that I should reread the question "
                                + "and follow it one fact at a time, because {mine} does not fit it."),
                List.of("Following that advice, I work it through once more:",
                        "Taking that advice, I write out each step:"),
                List.of("Following that advice, I solve it again:",
                        "Taking that advice, I start again from the facts given:")));
        return m;
    }
}
