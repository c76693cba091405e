package dev.thinktune.teacher;

import dev.thinktune.reward.AnswerExtractor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a teacher's reply strictly. A reply parses when it is, apart from whitespace:
 * <pre>
 * [preamble] &lt;opinion&gt;correct|incorrect&lt;/opinion&gt; &lt;reason&gt;...&lt;/reason&gt; &lt;phrase&gt;...\boxed{...}...&lt;/phrase&gt;
 * </pre>
 * <ul>
 *   <li>The tags are exactly these six, each once, in this order, written in lower case without spaces or
 *       attributes. Anything that looks like one of them ({@code <Reason>}, {@code < /phrase>},
 *       {@code <opinion x="1">}), a missing closing tag, a duplicated or nested tag, or a tag inside another's
 *       text makes the reply fail.</li>
 *   <li>Between the tags and after {@code </phrase>} only whitespace is allowed: text after the phrase means the
 *       teacher kept writing past its final answer.</li>
 *   <li>Before {@code <opinion>} a short preamble (at most {@link #MAX_PREAMBLE} characters, such as "Here is my
 *       reflection:") is tolerated and dropped, since chat models often open that way and it is never
 *       appended to the student's answer.</li>
 *   <li>Each content is trimmed and must not be empty; the opinion is {@code correct} or {@code incorrect}
 *       (any case, returned in lower case); the phrase must state a final answer in a well-formed, non-empty
 *       {@code \boxed{...}} (as {@link AnswerExtractor#lastBoxed} finds it).</li>
 * </ul>
 * Replies that break a rule become {@link TeacherReply.Failure} of kind {@code PARSE} with the rule in the
 * message.
 */
public final class ReplyParser {

    /** The most characters of text tolerated before {@code <opinion>}. */
    public static final int MAX_PREAMBLE = 200;

    private static final List<String> EXPECTED = List.of(
            "<opinion>", "</opinion>", "<reason>", "</reason>", "<phrase>", "</phrase>");
    /** Anything shaped like one of the six tags, whatever its case, spacing or attributes. */
    private static final Pattern TAG_LIKE = Pattern.compile(
            "<\\s*/?\\s*(?:opinion|reason|phrase)\\b[^<>]*>", Pattern.CASE_INSENSITIVE);

    private ReplyParser() {
    }

    /** The reflection in {@code reply}, or a PARSE failure that says which rule it breaks. */
    public static TeacherReply parse(String reply) {
        if (reply == null || reply.isBlank()) {
            return fail("empty reply");
        }
        List<int[]> spans = new ArrayList<>(); // [start, end) of each tag-like match
        List<String> tags = new ArrayList<>();
        Matcher m = TAG_LIKE.matcher(reply);
        while (m.find()) {
            spans.add(new int[]{m.start(), m.end()});
            tags.add(m.group());
        }
        for (int i = 0; i < Math.max(tags.size(), EXPECTED.size()); i++) {
            if (i >= tags.size()) {
                return fail("missing " + EXPECTED.get(i) + " (found " + describe(tags) + ")");
            }
            if (i >= EXPECTED.size()) {
                return fail("unexpected " + tags.get(i) + " after </phrase> (found " + describe(tags) + ")");
            }
            if (!tags.get(i).equals(EXPECTED.get(i))) {
                return fail("expected " + EXPECTED.get(i) + " but found " + tags.get(i)
                        + " (found " + describe(tags) + ")");
            }
        }
        String preamble = reply.substring(0, spans.get(0)[0]).strip();
        if (preamble.length() > MAX_PREAMBLE) {
            return fail("text before <opinion> is " + preamble.length() + " characters long (at most "
                    + MAX_PREAMBLE + " are tolerated)");
        }
        for (int gap : new int[]{1, 3}) { // between </opinion> and <reason>, </reason> and <phrase>
            String between = reply.substring(spans.get(gap)[1], spans.get(gap + 1)[0]);
            if (!between.isBlank()) {
                return fail("text between " + EXPECTED.get(gap) + " and " + EXPECTED.get(gap + 1) + ": '"
                        + abbreviate(between.strip()) + "'");
            }
        }
        String after = reply.substring(spans.get(5)[1]);
        if (!after.isBlank()) {
            return fail("text after </phrase>: '" + abbreviate(after.strip()) + "'");
        }
        String opinion = content(reply, spans, 0).toLowerCase(Locale.ROOT);
        String reason = content(reply, spans, 2);
        String phrase = content(reply, spans, 4);
        if (!opinion.equals("correct") && !opinion.equals("incorrect")) {
            return fail("opinion must be 'correct' or 'incorrect', got '" + abbreviate(opinion) + "'");
        }
        if (reason.isEmpty()) {
            return fail("empty <reason>");
        }
        if (phrase.isEmpty()) {
            return fail("empty <phrase>");
        }
        if (AnswerExtractor.lastBoxed(phrase).isEmpty()) {
            return fail("the phrase has no final answer in \\boxed{...}");
        }
        return new TeacherReply.Reflection(opinion, reason, phrase);
    }

    /** The reply text of a reflection, in the form {@link #parse} reads: the three tags on their own lines. */
    public static String render(String opinion, String reason, String phrase) {
        return "<opinion>" + opinion + "</opinion>\n<reason>" + reason + "</reason>\n<phrase>" + phrase + "</phrase>";
    }

    private static String content(String reply, List<int[]> spans, int open) {
        return reply.substring(spans.get(open)[1], spans.get(open + 1)[0]).strip();
    }

    private static TeacherReply.Failure fail(String why) {
        return new TeacherReply.Failure(TeacherReply.Kind.PARSE, why);
    }

    private static String describe(List<String> tags) {
        return tags.isEmpty() ? "no tags" : String.join(" ", tags);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
