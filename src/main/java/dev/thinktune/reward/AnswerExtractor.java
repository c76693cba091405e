package dev.thinktune.reward;

import dev.thinktune.data.Example;
import dev.thinktune.data.Example.AnswerType;
import dev.thinktune.data.Example.Choice;
import dev.thinktune.reward.symbolic.SymbolicEquivalence;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer that a completion states. Explicit forms are tried first, in this order:
 * <ol>
 *   <li>the last well-formed, non-empty {@code \boxed{...}} or {@code \fbox{...}} (nested braces allowed, so
 *       {@code \boxed{\frac{1}{2}}} gives {@code \frac{1}{2}}; an unclosed one is skipped); for numbers and math,
 *       joined with the boxes just before it when only symbols, "and" or "or" stand between them
 *       ({@link #boxedAnswer});</li>
 *   <li>the last {@code #### ...} line (GSM8K);</li>
 *   <li>the last "the answer is ...", "the final answer is ...", "Answer: ..." (case-insensitive), up to the end of
 *       its sentence (for math, the last math or number of that sentence when it is in words);</li>
 *   <li>for numbers and math, the last {@code \textbf{...}} with a digit, as some AIME collections state answers;</li>
 *   <li>for choice and yes/no questions, a completion that is nothing but the label or the word.</li>
 * </ol>
 * With {@link Fallback#LENIENT} a completion without an explicit answer is also read by its last number
 * (numbers), by the whole completion when it is one line of math, else the later of its last math span and its
 * last number (math), its last "(C)" or last line that starts "C." or "C)" (choices), or its first, else last,
 * yes/no word.
 * {@link Fallback#STRICT} gives nothing for such a completion, which is what a reward that should teach the answer
 * format wants. The extracted text is returned as written; {@link MathEquivalence} normalises it.
 *
 * @param fallback what to do when no explicit answer is found
 */
public record AnswerExtractor(Fallback fallback) {

    /** Whether an answer is also looked for in a completion that states none explicitly. */
    public enum Fallback {
        /** explicit answers only */
        STRICT,
        /** the last number, the last "(C)", the first or last yes/no word when nothing is explicit */
        LENIENT
    }

    public static final AnswerExtractor LENIENT = new AnswerExtractor(Fallback.LENIENT);
    public static final AnswerExtractor STRICT = new AnswerExtractor(Fallback.STRICT);

    /** Labels assumed when a choice question carries no choices: A to J (MMLU-Pro has up to ten). */
    public static final List<String> DEFAULT_LABELS = List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J");

    private static final String[] BOX_COMMANDS = {"\\boxed", "\\fbox"};
    private static final Pattern HASHES = Pattern.compile("####[ \\t]*([^\\n]*)");
    private static final Pattern ANSWER_IS = Pattern.compile(
            "(?i)\\banswer\\s*(?:\\*\\*)?\\s*(?:is\\b\\s*:?|:)\\s*(?:\\*\\*)?[ \\t]*([^\\n]*)");
    /** A number as written in running text: sign, thousands separators, decimals, a simple fraction. */
    static final Pattern NUMBER = Pattern.compile("(?<![\\w.])[-\u2212]?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?"
            + "(?:/\\d+)?(?![\\d])|(?<![\\w.\\d])[-\u2212]?\\.\\d+");
    /** $$...$$, $...$ (not an escaped dollar), \[...\] and \(...\). */
    private static final Pattern MATH_SPAN = Pattern.compile(
            "\\$\\$([^$]+?)\\$\\$|(?<!\\\\)\\$((?:[^$\\\\\\n]|\\\\.)+?)\\$|\\\\\\[(.+?)\\\\\\]|\\\\\\(([^\\n]+?)\\\\\\)",
            Pattern.DOTALL);
    private static final Pattern PROSE_WORD = Pattern.compile("(?<![\\\\a-zA-Z{])[a-zA-Z]{3,}");
    private static final Pattern LIST_GAP = Pattern.compile("(?i)[\\s,;]*(?:\\b(?:and|or)\\b)?[\\s,;]*");
    private static final Pattern JOINING_WORD = Pattern.compile("(?i)\\b(and|or)\\b");
    private static final Pattern YES_NO_WORD = Pattern.compile("(?i)\\b(yes|no)\\b");

    public AnswerExtractor {
        Objects.requireNonNull(fallback, "fallback");
    }

    /** The answer of {@code completion} for {@code example}'s answer type (and its choices, for a choice question). */
    public Optional<String> extract(String completion, Example example) {
        return switch (example.type()) {
            case NUMBER -> extractNumber(completion);
            case MATH -> extractMath(completion);
            case CHOICE -> extractChoice(completion, example.choices());
            case YES_NO -> extractYesNo(completion);
        };
    }

    /** The answer of {@code completion} for an answer type; choice labels A to J are assumed. */
    public Optional<String> extract(String completion, AnswerType type) {
        return switch (type) {
            case NUMBER -> extractNumber(completion);
            case MATH -> extractMath(completion);
            case CHOICE -> extractChoice(completion, List.of());
            case YES_NO -> extractYesNo(completion);
        };
    }

    /**
     * A numeric final answer: the boxed or {@code ####} text as written, else the first number of the "answer is"
     * sentence, else the bold ({@code \textbf{(113)}}) text, else (lenient) the last number of the completion.
     */
    public Optional<String> extractNumber(String completion) {
        String text = clean(completion);
        Optional<String> explicit = boxedAnswer(text).or(() -> lastHashes(text));
        if (explicit.isPresent()) {
            return explicit;
        }
        Optional<String> stated = lastAnswerIs(text).flatMap(AnswerExtractor::firstNumber).or(() -> lastBold(text));
        if (stated.isPresent() || fallback == Fallback.STRICT) {
            return stated;
        }
        return lastNumber(text);
    }

    /**
     * A mathematical final answer: the boxed, {@code ####}, "answer is" or bold ({@code \textbf{(113)}}) text as
     * written; else (lenient) the last math span ({@code $...$}, {@code \(...\)}, {@code \[...\]}), the whole
     * completion when it is one short line that reads as math ({@code \frac{1}{3}}, {@code x = 5}), else the last
     * number of the completion.
     */
    public Optional<String> extractMath(String completion) {
        String text = clean(completion);
        Optional<String> explicit = boxedAnswer(text).or(() -> lastHashes(text))
                .or(() -> lastAnswerIs(text).map(AnswerExtractor::mathOfStatement)).or(() -> lastBold(text));
        if (explicit.isPresent() || fallback == Fallback.STRICT) {
            return explicit;
        }
        return wholeIfMath(text).or(() -> lastMathOrNumber(text));
    }

    /** "the answer is: the volume of $ABCD$ is 120" states 120: a statement in words gives its last math or number. */
    private static String mathOfStatement(String statement) {
        if (!PROSE_WORD.matcher(statement).find()) {
            return statement;
        }
        return lastMathOrNumber(statement).orElse(statement);
    }

    /** Whichever ends later: the last math span or the last number. */
    private static Optional<String> lastMathOrNumber(String text) {
        int spanEnd = lastEnd(MATH_SPAN, text);
        int numberEnd = lastEnd(NUMBER, text);
        return spanEnd >= numberEnd ? lastMathSpan(text) : lastNumber(text);
    }

    /**
     * The content of the last {@code \textbf{...}} that holds a digit, without surrounding parentheses: AIME
     * solutions of some collections state {@code \textbf{(113) }}.
     */
    public static Optional<String> lastBold(String text) {
        String last = null;
        int from = 0;
        while (true) {
            int at = text.indexOf("\\textbf", from);
            if (at < 0) {
                break;
            }
            from = at + 7;
            Optional<String> content = Latex.bracedArgument(text, from);
            if (content.isPresent() && content.get().chars().anyMatch(Character::isDigit)) {
                String c = content.get().strip();
                if (c.startsWith("(") && c.endsWith(")")) {
                    c = c.substring(1, c.length() - 1).strip();
                }
                last = c;
            }
        }
        return Optional.ofNullable(last).filter(s -> !s.isEmpty());
    }

    /**
     * The content of the last math span of {@code text} ({@code $...$}, {@code $$...$$}, {@code \(...\)},
     * {@code \[...\]}), joined with the spans just before it when only commas, semicolons, "and" or "or" stand
     * between them: {@code $1$ and $2$} is the list "1, 2".
     */
    public static Optional<String> lastMathSpan(String text) {
        List<String> contents = new ArrayList<>();
        int lastEnd = -1;
        Matcher m = MATH_SPAN.matcher(text);
        while (m.find()) {
            String content = null;
            for (int g = 1; g <= m.groupCount(); g++) {
                if (m.group(g) != null && !m.group(g).isBlank()) {
                    content = m.group(g).strip();
                }
            }
            if (content == null) {
                continue;
            }
            if (lastEnd < 0 || !LIST_GAP.matcher(text.substring(lastEnd, m.start())).matches()) {
                contents.clear(); // "$1$ and $2$" is one list; spans apart in running text are not
            }
            contents.add(content);
            lastEnd = m.end();
        }
        return contents.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", contents));
    }

    private static int lastEnd(Pattern p, String text) {
        int end = -1;
        Matcher m = p.matcher(text);
        while (m.find()) {
            end = m.end();
        }
        return end;
    }

    /** The whole text when it is one short line of math: no word of three letters outside a command. */
    private static Optional<String> wholeIfMath(String text) {
        String t = stripSentenceEnd(text);
        if (t.isEmpty() || t.length() > 200 || t.indexOf('\n') >= 0 || PROSE_WORD.matcher(t).find()
                || !SymbolicEquivalence.readable(t)) {
            return Optional.empty();
        }
        return Optional.of(t);
    }

    /**
     * The label of the chosen option among {@code choices} (labels A to J when empty): from the boxed text, the
     * "answer is" sentence or a completion that is just the label; a choice's text is also recognised. Lenient:
     * also the last "(C)" of the completion, else the last line that starts with "C." or "C)".
     */
    public Optional<String> extractChoice(String completion, List<Choice> choices) {
        String text = clean(completion);
        List<String> labels = choices.isEmpty() ? DEFAULT_LABELS : choices.stream().map(Choice::label).toList();
        Optional<String> explicit = lastBoxed(text).flatMap(b -> ChoiceLabels.parse(b, labels, choices))
                .or(() -> lastAnswerIs(text).flatMap(a -> ChoiceLabels.parse(a, labels, choices)))
                .or(() -> ChoiceLabels.bare(text, labels));
        if (explicit.isPresent() || fallback == Fallback.STRICT) {
            return explicit;
        }
        return ChoiceLabels.lastMention(text, labels);
    }

    /**
     * "yes" or "no": from the boxed text, the "answer is" sentence or a completion that is just the word (true
     * and false are read as yes and no). Lenient: also the completion's first word, else its last "yes" or "no".
     */
    public Optional<String> extractYesNo(String completion) {
        String text = clean(completion);
        Optional<String> explicit = lastBoxed(text).flatMap(YesNo::parse)
                .or(() -> lastAnswerIs(text).flatMap(YesNo::parse))
                .or(() -> YesNo.parseWhole(text));
        if (explicit.isPresent() || fallback == Fallback.STRICT) {
            return explicit;
        }
        Optional<String> first = YesNo.parse(text);
        if (first.isPresent()) {
            return first;
        }
        String last = null;
        Matcher m = YES_NO_WORD.matcher(text);
        while (m.find()) {
            last = m.group(1);
        }
        return Optional.ofNullable(last).flatMap(YesNo::parse);
    }

    /**
     * The last boxed answer, joined with the boxes just before it when what stands between them has no letters
     * (commas, symbols) or has the word "and" or "or": {@code \boxed{2}, \boxed{3}} and
     * {@code \boxed{2} and \boxed{3}} are the list "2, 3" (as in Math-Verify: a completion that boxes two values
     * states both), while boxes apart in running text ({@code \boxed{12}, but wait: \boxed{14}}) give the last.
     */
    public static Optional<String> boxedAnswer(String text) {
        List<int[]> boxes = new ArrayList<>();
        int end = text.length();
        while (end > 0) {
            int[] box = lastBox(text, end);
            if (box == null) {
                break;
            }
            if (!boxes.isEmpty() && !joinable(text.substring(box[3], boxes.get(boxes.size() - 1)[0]))) {
                break;
            }
            boxes.add(box);
            end = box[0];
        }
        if (boxes.isEmpty()) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        for (int k = boxes.size() - 1; k >= 0; k--) {
            parts.add(text.substring(boxes.get(k)[1], boxes.get(k)[2]).trim());
        }
        return Optional.of(String.join(", ", parts));
    }

    private static boolean joinable(String gap) {
        String g = gap.replace("\\quad", " ").replace("\\text", " ").replace("$", " ");
        return g.length() <= 60 && (JOINING_WORD.matcher(g).find() || !g.matches("(?s).*[A-Za-z].*"));
    }

    /** {start of the command, start of the content, end of the content, end of the box} of the last box before end. */
    private static int[] lastBox(String text, int end) {
        int e = end;
        while (e > 0) {
            int[] command = lastBoxCommand(text, e);
            if (command == null) {
                return null;
            }
            int at = command[0];
            int after = at + command[1];
            int open = Latex.skipSpaces(text, after);
            if ((after >= text.length() || !Character.isLetter(text.charAt(after))) && open < text.length()
                    && text.charAt(open) == '{') {
                int close = Latex.matchingBrace(text, open);
                if (close > 0 && close < end && !text.substring(open + 1, close).isBlank()) {
                    return new int[]{at, open + 1, close, close + 1};
                }
            }
            e = at;
        }
        return null;
    }

    /**
     * The content of the last well-formed, non-empty {@code \boxed{...}} or {@code \fbox{...}} in {@code text}
     * (also the brace-less {@code \boxed 5}); unclosed or empty boxes are skipped.
     */
    public static Optional<String> lastBoxed(String text) {
        int end = text.length();
        while (end > 0) {
            int[] command = lastBoxCommand(text, end);
            if (command == null) {
                return Optional.empty();
            }
            int at = command[0];
            Optional<String> content = boxContent(text, at + command[1]);
            if (content.isPresent()) {
                return content;
            }
            end = at;
        }
        return Optional.empty();
    }

    /** {position, length} of the last {@code \boxed} or {@code \fbox} that starts before {@code end}, or null. */
    private static int[] lastBoxCommand(String text, int end) {
        int at = -1;
        int length = 0;
        for (String cmd : BOX_COMMANDS) {
            int i = text.lastIndexOf(cmd, end - 1);
            if (i > at) {
                at = i;
                length = cmd.length();
            }
        }
        return at < 0 ? null : new int[]{at, length};
    }

    private static Optional<String> boxContent(String text, int afterCommand) {
        if (afterCommand < text.length() && Character.isLetter(text.charAt(afterCommand))) {
            return Optional.empty(); // another command, e.g. \boxedx
        }
        int i = Latex.skipSpaces(text, afterCommand);
        if (i < text.length() && text.charAt(i) == '{') {
            return Latex.bracedArgument(text, i).map(String::trim).filter(s -> !s.isEmpty());
        }
        if (i > afterCommand && i < text.length()) { // "\boxed 5": up to the next space or dollar
            int end = i;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
                end++;
            }
            return Optional.of(text.substring(i, end)).filter(s -> !s.isEmpty());
        }
        return Optional.empty();
    }

    /** The text after the last {@code ####} of {@code text}, to the end of its line. */
    public static Optional<String> lastHashes(String text) {
        String last = null;
        Matcher m = HASHES.matcher(text);
        while (m.find()) {
            String s = stripSentenceEnd(m.group(1));
            if (!s.isEmpty()) {
                last = s;
            }
        }
        return Optional.ofNullable(last);
    }

    /** The statement after the last "answer is" / "answer:" of {@code text}, to the end of its sentence. */
    public static Optional<String> lastAnswerIs(String text) {
        String last = null;
        Matcher m = ANSWER_IS.matcher(text);
        while (m.find()) {
            String s = m.group(1);
            int stop = sentenceEnd(s);
            s = stripSentenceEnd(s.substring(0, stop));
            if (!s.isEmpty()) {
                last = s;
            }
        }
        if (last != null) { // "Final Answer: The final answer is $28\%$."
            Matcher inner = ANSWER_IS.matcher(last);
            if (inner.find() && inner.start() < 20) {
                return lastAnswerIs(last);
            }
        }
        return Optional.ofNullable(last);
    }

    /** The last number written in {@code text} (see {@link #NUMBER}), as written. */
    public static Optional<String> lastNumber(String text) {
        String last = null;
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            last = m.group();
        }
        return Optional.ofNullable(last);
    }

    private static Optional<String> firstNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.find() ? Optional.of(m.group()) : Optional.empty();
    }

    /** A period, question or exclamation mark followed by a space ends a sentence; "3.5" and "\frac{1}{2}." do not. */
    private static int sentenceEnd(String s) {
        for (int i = 0; i + 1 < s.length(); i++) {
            char c = s.charAt(i);
            if ((c == '.' || c == '!' || c == '?' || c == ';') && Character.isWhitespace(s.charAt(i + 1))) {
                return i;
            }
        }
        return s.length();
    }

    private static String stripSentenceEnd(String s) {
        String t = s.strip();
        while (!t.isEmpty() && (t.endsWith(".") || t.endsWith("*") || t.endsWith("!"))) {
            t = t.substring(0, t.length() - 1).strip();
        }
        return t;
    }

    private static String clean(String completion) {
        return completion == null ? "" : completion.replace("\r\n", "\n");
    }
}
