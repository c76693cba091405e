package dev.thinktune.reward;

import dev.thinktune.data.Example.Choice;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the label of a multiple-choice answer: "C", "(C)", "C.", "C)", "(C) great britain", {@code \text{(B)}},
 * "option C", or the text of one of the choices. Labels are single letters or digits as the dataset gives them;
 * a lower-case letter counts only when it stands alone ("c", "(c)"), so the article "a" is not read as label A.
 */
public final class ChoiceLabels {

    private static final Pattern LEADING_LABEL = Pattern.compile("^\\(?([A-Z0-9])\\)?(?=$|[\\s.:),\\]])");
    private static final Pattern LONE_LABEL = Pattern.compile("^\\(?([A-Za-z0-9])\\)?[.:]?$");
    private static final Pattern OPTION_WORD = Pattern.compile("(?i)^(?:the\\s+)?(?:option|choice|letter)\\s*:?\\s*");
    private static final Pattern PAREN_LABEL = Pattern.compile("\\(([A-Z0-9])\\)");
    private static final Pattern LINE_LABEL = Pattern.compile("(?m)^[ \\t]*\\(?([A-Z0-9])[.)][ \\t]");

    private ChoiceLabels() {
    }

    /**
     * The label that {@code answer} names among {@code labels}, else the label of the choice whose text it is
     * (case and spacing ignored).
     */
    public static Optional<String> parse(String answer, List<String> labels, List<Choice> choices) {
        String s = cleanup(answer);
        s = OPTION_WORD.matcher(s).replaceFirst("");
        Matcher lone = LONE_LABEL.matcher(s);
        if (lone.matches()) {
            Optional<String> label = find(lone.group(1), labels);
            if (label.isPresent()) {
                return label;
            }
        }
        Matcher lead = LEADING_LABEL.matcher(s);
        if (lead.find()) {
            Optional<String> label = find(lead.group(1), labels);
            if (label.isPresent()) {
                return label;
            }
        }
        String wanted = textKey(s);
        for (Choice c : choices) {
            if (!wanted.isEmpty() && textKey(c.text()).equals(wanted)) {
                return Optional.of(c.label());
            }
        }
        return Optional.empty();
    }

    /** The label when the whole {@code text} is nothing but a label ("C", "(C)", "C."). */
    static Optional<String> bare(String text, List<String> labels) {
        Matcher lone = LONE_LABEL.matcher(cleanup(text));
        return lone.matches() ? find(lone.group(1), labels) : Optional.empty();
    }

    /** The last "(C)" of {@code text}, else the label that starts its last "C." or "C)" line. */
    static Optional<String> lastMention(String text, List<String> labels) {
        Optional<String> paren = lastMatch(PAREN_LABEL, text, labels);
        return paren.isPresent() ? paren : lastMatch(LINE_LABEL, text, labels);
    }

    /** Whether two answers name the same label (each read with {@link #parse}). */
    public static boolean sameLabel(String predicted, String reference, List<String> labels) {
        Optional<String> p = parse(predicted, labels, List.of());
        Optional<String> r = parse(reference, labels, List.of());
        return p.isPresent() && p.equals(r);
    }

    private static Optional<String> lastMatch(Pattern p, String text, List<String> labels) {
        String last = null;
        Matcher m = p.matcher(text);
        while (m.find()) {
            if (find(m.group(1), labels).isPresent()) {
                last = m.group(1);
            }
        }
        return Optional.ofNullable(last).flatMap(l -> find(l, labels));
    }

    private static Optional<String> find(String candidate, List<String> labels) {
        for (String label : labels) {
            if (label.equalsIgnoreCase(candidate)) {
                return Optional.of(label);
            }
        }
        return Optional.empty();
    }

    private static String cleanup(String s) {
        String t = Latex.unwrap(s, "text", "textbf", "textrm", "mathrm", "mathbf", "mbox", "boxed");
        t = t.replace("$", "").replace("**", "").replace("\\(", "").replace("\\)", "");
        return t.strip();
    }

    private static String textKey(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
        while (!t.isEmpty() && ".!,;".indexOf(t.charAt(t.length() - 1)) >= 0) {
            t = t.substring(0, t.length() - 1).strip();
        }
        return t;
    }
}
