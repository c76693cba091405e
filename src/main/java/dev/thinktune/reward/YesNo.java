package dev.thinktune.reward;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads yes/no answers: "Yes", "yes.", "**No**", {@code \text{no}}, "true" (yes) and "false" (no). */
public final class YesNo {

    private static final Pattern FIRST_WORD = Pattern.compile("^[^\\p{Alnum}]*(\\p{Alpha}+)");
    private static final Pattern WHOLE = Pattern.compile("^[^\\p{Alnum}]*(\\p{Alpha}+)[^\\p{Alnum}]*$");

    private YesNo() {
    }

    /** "yes" or "no" from the first word of {@code answer}. */
    public static Optional<String> parse(String answer) {
        Matcher m = FIRST_WORD.matcher(cleanup(answer));
        return m.find() ? word(m.group(1)) : Optional.empty();
    }

    /** "yes" or "no" when the whole of {@code text} is that one word (punctuation aside). */
    static Optional<String> parseWhole(String text) {
        Matcher m = WHOLE.matcher(cleanup(text));
        return m.matches() ? word(m.group(1)) : Optional.empty();
    }

    /** Whether two answers are the same yes/no (both must read as one). */
    public static boolean same(String predicted, String reference) {
        Optional<String> p = parse(predicted);
        return p.isPresent() && p.equals(parse(reference));
    }

    private static Optional<String> word(String w) {
        return switch (w.toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> Optional.of("yes");
            case "no", "false" -> Optional.of("no");
            default -> Optional.empty();
        };
    }

    private static String cleanup(String s) {
        return Latex.unwrap(s, "text", "textbf", "textrm", "mathrm", "mbox", "boxed").strip();
    }
}
