package dev.thinktune.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A split regex run on {@code java.util.regex} with {@link Pattern#UNICODE_CHARACTER_CLASS}, which makes
 * {@code \s} Unicode White_Space and {@code (?i)} Unicode-aware as in Oniguruma. Used for patterns without a
 * dedicated scanner, and as the independent reference the scanners are tested against.
 */
record RegexSplitPattern(String regex, Pattern pattern) implements SplitPattern {

    static RegexSplitPattern compile(String regex) {
        try {
            return new RegexSplitPattern(regex, Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS));
        } catch (PatternSyntaxException e) {
            throw new TokenizerFormatException("split regex " + quote(regex) + " does not compile: "
                    + e.getDescription());
        }
    }

    /** A literal string split ({@code {"String": ...}} in tokenizer.json). */
    static RegexSplitPattern literal(String text) {
        return new RegexSplitPattern(Pattern.quote(text), Pattern.compile(Pattern.quote(text)));
    }

    @Override
    public void split(String text, int start, int end, PieceSink sink) {
        Matcher m = pattern.matcher(text).region(start, end);
        m.useTransparentBounds(false).useAnchoringBounds(true);
        int last = start;
        while (m.find()) {
            if (m.start() == m.end()) {
                continue;
            }
            if (m.start() > last) {
                sink.accept(text, last, m.start());
            }
            sink.accept(text, m.start(), m.end());
            last = m.end();
        }
        if (last < end) {
            sink.accept(text, last, end);
        }
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }
}
