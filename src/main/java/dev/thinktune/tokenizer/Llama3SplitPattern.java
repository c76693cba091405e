package dev.thinktune.tokenizer;

import static dev.thinktune.tokenizer.UnicodeClasses.isLetter;
import static dev.thinktune.tokenizer.UnicodeClasses.isNumber;
import static dev.thinktune.tokenizer.UnicodeClasses.isWhiteSpace;

/**
 * A scanner that cuts text exactly as the Llama 3 split regex does under a backtracking engine (Oniguruma,
 * Rust fancy-regex, Python regex), alternative by alternative, leftmost first:
 * <pre>
 * 1 (?i:'s|'t|'re|'ve|'m|'ll|'d)       contractions, case-insensitive (also U+017F long s, which folds to s)
 * 2 [^\r\n\p{L}\p{N}]?\p{L}+          a word, with one leading non-letter non-digit (not CR/LF)
 * 3 \p{N}{1,3}                         digits, at most three (Qwen2's regex: \p{N}, one digit a piece)
 * 4  ?[^\s\p{L}\p{N}]+[\r\n]*          punctuation with an optional space before and newlines after
 * 5 \s*[\r\n]+                         whitespace up to and including its last newline
 * 6 \s+(?!\S)                          whitespace, leaving the last one for the next word
 * 7 \s+                                whitespace
 * </pre>
 * {@code \s} is Unicode White_Space, letters and numbers are by general category, on code points. Qwen2's
 * regex ({@link SplitPattern#QWEN2_REGEX}) is the same but for alternative 3, which takes one digit at a time.
 */
final class Llama3SplitPattern implements SplitPattern {
    private final String regex;
    private final int maxDigits;

    /** Llama 3's pattern: runs of up to three digits. */
    Llama3SplitPattern() {
        this(LLAMA3_REGEX, 3);
    }

    private Llama3SplitPattern(String regex, int maxDigits) {
        this.regex = regex;
        this.maxDigits = maxDigits;
    }

    /** Qwen2's pattern: every digit a piece of its own. */
    static Llama3SplitPattern qwen2() {
        return new Llama3SplitPattern(QWEN2_REGEX, 1);
    }

    @Override
    public String regex() {
        return regex;
    }

    @Override
    public void split(String text, int start, int end, PieceSink sink) {
        int i = start;
        while (i < end) {
            int j = matchEnd(text, i, end, maxDigits);
            sink.accept(text, i, j);
            i = j;
        }
    }

    /**
     * End of the match that starts at {@code i} (always past {@code i}: every character is matched), digit runs cut
     * at {@code maxDigits}.
     */
    static int matchEnd(String s, int i, int end, int maxDigits) {
        int c = s.codePointAt(i);
        int next = i + Character.charCount(c);
        if (c == '\'' && next < end) {
            int m = contractionEnd(s, next, end);
            if (m > 0) {
                return m;
            }
        }
        if (isLetter(c)) {
            return letterRunEnd(s, next, end);
        }
        boolean number = isNumber(c);
        if (!number && c != '\r' && c != '\n' && next < end) {
            int d = s.codePointAt(next);
            if (isLetter(d)) {
                return letterRunEnd(s, next + Character.charCount(d), end);
            }
        }
        if (number) {
            int j = next;
            for (int k = 1; k < maxDigits && j < end; k++) {
                int d = s.codePointAt(j);
                if (!isNumber(d)) {
                    break;
                }
                j += Character.charCount(d);
            }
            return j;
        }
        boolean space = isWhiteSpace(c);
        if (!space) {
            return punctuationEnd(s, next, end);
        }
        if (c == ' ' && next < end) {
            int d = s.codePointAt(next);
            if (!isWhiteSpace(d) && !isLetter(d) && !isNumber(d)) {
                return punctuationEnd(s, next + Character.charCount(d), end);
            }
        }
        // Whitespace (all of it is in the BMP): alternatives 5, 6 and 7.
        int runEnd = next;
        int afterLastNewline = (c == '\r' || c == '\n') ? next : -1;
        while (runEnd < end) {
            char d = s.charAt(runEnd);
            if (!isWhiteSpace(d)) {
                break;
            }
            runEnd++;
            if (d == '\r' || d == '\n') {
                afterLastNewline = runEnd;
            }
        }
        if (afterLastNewline > 0) {
            return afterLastNewline;
        }
        if (runEnd == end || runEnd - 1 == i) {
            return runEnd;
        }
        return runEnd - 1;
    }

    /** {@code [^\s\p{L}\p{N}]*[\r\n]*} from {@code j}. */
    private static int punctuationEnd(String s, int j, int end) {
        while (j < end) {
            int d = s.codePointAt(j);
            if (isWhiteSpace(d) || isLetter(d) || isNumber(d)) {
                break;
            }
            j += Character.charCount(d);
        }
        while (j < end) {
            char d = s.charAt(j);
            if (d != '\r' && d != '\n') {
                break;
            }
            j++;
        }
        return j;
    }

    private static int letterRunEnd(String s, int j, int end) {
        while (j < end) {
            int d = s.codePointAt(j);
            if (!isLetter(d)) {
                break;
            }
            j += Character.charCount(d);
        }
        return j;
    }

    /** End of {@code (?i:s|t|re|ve|m|ll|d)} at {@code j} (just after the apostrophe), or -1. */
    private static int contractionEnd(String s, int j, int end) {
        char a = s.charAt(j);
        switch (a) {
            case 's', 'S', '\u017F', 't', 'T', 'm', 'M', 'd', 'D' -> {
                return j + 1;
            }
            case 'r', 'R', 'v', 'V' -> {
                return j + 1 < end && (s.charAt(j + 1) | 0x20) == 'e' ? j + 2 : -1;
            }
            case 'l', 'L' -> {
                return j + 1 < end && (s.charAt(j + 1) | 0x20) == 'l' ? j + 2 : -1;
            }
            default -> {
                return -1;
            }
        }
    }
}
