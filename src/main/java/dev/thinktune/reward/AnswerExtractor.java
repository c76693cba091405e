package dev.thinktune.reward;

import dev.thinktune.data.Example;
import dev.thinktune.data.Example.AnswerType;
import dev.thinktune.data.Example.Choice;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer that a completion states. Explicit forms are tried first, in this order:
 * <ol>
 *   <li>the last well-formed, non-empty {@code \boxed{...}} or {@code \fbox{...}} (nested braces allowed, so
 *       {@code \boxed{\frac{1}{2}}} gives {@code \frac{1}{2}}; an unclosed one is skipped);</li>
 *   <li>the last {@code #### ...} line (GSM8K);</li>
 *   <li>the last "the answer is ...", "the final answer is ...", "Answer: ..." (case-insensitive), up to the end of
 *       its sentence;</li>
 *   <li>for choice and yes/no questions, a completion that is nothing but the label or the word.</li>
 * </ol>
 * With {@link Fallback#LENIENT} a completion without an explicit answer is also read by its last number (numbers
 * and math), its last "(C)" or last line that starts "C." or "C)" (choices), or its first, else last, yes/no word.
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
     * sentence, else (lenient) the last number of the completion.
     */
    public Optional<String> extractNumber(String completion) {
        String text = clean(completion);
        Optional<String> explicit = lastBoxed(text).or(() -> lastHashes(text));
        if (explicit.isPresent()) {
            return explicit;
        }
        Optional<String> stated = lastAnswerIs(text).flatMap(AnswerExtractor::firstNumber);
        if (stated.isPresent() || fallback == Fallback.STRICT) {
            return stated;
        }
        return lastNumber(text);
    }

    /**
     * A mathematical final answer: the boxed, {@code ####} or "answer is" text as written, else (lenient) the
     * last number of the completion.
     */
    public Optional<String> extractMath(String completion) {
        String text = clean(completion);
        Optional<String> explicit = lastBoxed(text).or(() -> lastHashes(text)).or(() -> lastAnswerIs(text));
        if (explicit.isPresent() || fallback == Fallback.STRICT) {
            return explicit;
        }
        return lastNumber(text);
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
     * The content of the last well-formed, non-empty {@code \boxed{...}} or {@code \fbox{...}} in {@code text}
     * (also the brace-less {@code \boxed 5}); unclosed or empty boxes are skipped.
     */
    public static Optional<String> lastBoxed(String text) {
        int end = text.length();
        while (end > 0) {
            int at = -1;
            String command = null;
            for (String cmd : BOX_COMMANDS) {
                int i = text.lastIndexOf(cmd, end - 1);
                if (i > at) {
                    at = i;
                    command = cmd;
                }
            }
            if (at < 0) {
                return Optional.empty();
            }
            Optional<String> content = boxContent(text, at + command.length());
            if (content.isPresent()) {
                return content;
            }
            end = at;
        }
        return Optional.empty();
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
