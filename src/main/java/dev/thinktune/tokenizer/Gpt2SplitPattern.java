package dev.thinktune.tokenizer;

import static dev.thinktune.tokenizer.UnicodeClasses.isLetter;
import static dev.thinktune.tokenizer.UnicodeClasses.isNumber;
import static dev.thinktune.tokenizer.UnicodeClasses.isWhiteSpace;

/**
 * A scanner that cuts text exactly as GPT-2's split regex does (Hugging Face's ByteLevel pre-tokenizer with
 * {@code use_regex}):
 * <pre>
 * 's|'t|'re|'ve|'m|'ll|'d     contractions, case-sensitive
 *  ?\p{L}+                    a word with an optional space before
 *  ?\p{N}+                    a number (any length) with an optional space before
 *  ?[^\s\p{L}\p{N}]+          punctuation with an optional space before
 * \s+(?!\S)                   whitespace, leaving the last one for the next word
 * \s+                         whitespace
 * </pre>
 */
final class Gpt2SplitPattern implements SplitPattern {

    @Override
    public String regex() {
        return GPT2_REGEX;
    }

    @Override
    public void split(String text, int start, int end, PieceSink sink) {
        int i = start;
        while (i < end) {
            int j = matchEnd(text, i, end);
            sink.accept(text, i, j);
            i = j;
        }
    }

    static int matchEnd(String s, int i, int end) {
        int c = s.codePointAt(i);
        int next = i + Character.charCount(c);
        if (c == '\'' && next < end) {
            char a = s.charAt(next);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return next + 1;
            }
            if (next + 1 < end) {
                char b = s.charAt(next + 1);
                if ((a == 'r' || a == 'v') && b == 'e' || a == 'l' && b == 'l') {
                    return next + 2;
                }
            }
        }
        int body = c;
        int bodyStart = i;
        if (c == ' ' && next < end) {
            int d = s.codePointAt(next);
            if (!isWhiteSpace(d)) {
                body = d;
                bodyStart = next;
            }
        }
        if (body != ' ' || bodyStart != i) {
            int j = bodyStart + Character.charCount(body);
            if (isLetter(body)) {
                return run(s, j, end, 0);
            }
            if (isNumber(body)) {
                return run(s, j, end, 1);
            }
            if (!isWhiteSpace(body)) {
                return run(s, j, end, 2);
            }
        }
        int runEnd = next;
        while (runEnd < end && isWhiteSpace(s.charAt(runEnd))) {
            runEnd++;
        }
        if (runEnd == end || runEnd - 1 == i) {
            return runEnd;
        }
        return runEnd - 1;
    }

    /** End of a run of letters (kind 0), numbers (1) or other non-space characters (2) from {@code j}. */
    private static int run(String s, int j, int end, int kind) {
        while (j < end) {
            int d = s.codePointAt(j);
            boolean same = switch (kind) {
                case 0 -> isLetter(d);
                case 1 -> isNumber(d);
                default -> !isWhiteSpace(d) && !isLetter(d) && !isNumber(d);
            };
            if (!same) {
                break;
            }
            j += Character.charCount(d);
        }
        return j;
    }
}
