package dev.thinktune.tokenizer;

/**
 * The character classes that the reference regex engines use in tokenizer patterns, decided per code point.
 *
 * <p>Java's own {@link Character#isWhitespace} and the default {@code \s} of {@code java.util.regex} are not the
 * Unicode {@code White_Space} property that Oniguruma (Hugging Face tokenizers) and Rust's regex (tiktoken) use:
 * they miss U+00A0, U+2007, U+202F and count U+001C..U+001F. These methods follow the Unicode definitions.
 */
final class UnicodeClasses {

    private UnicodeClasses() {
    }

    /** {@code \p{L}}: general category Lu, Ll, Lt, Lm or Lo. */
    static boolean isLetter(int cp) {
        if (cp < 0x80) {
            return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        }
        return Character.isLetter(cp);
    }

    /** {@code \p{N}}: general category Nd, Nl or No. */
    static boolean isNumber(int cp) {
        if (cp < 0x80) {
            return cp >= '0' && cp <= '9';
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** {@code \s} of Oniguruma and Rust regex: the Unicode White_Space property. */
    static boolean isWhiteSpace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /**
     * Python's {@code str.isspace()}, which Jinja's {@code trim} and Meta's Llama 3 tokenizer code use: White_Space
     * plus the information separators U+001C..U+001F.
     */
    static boolean isPythonSpace(int cp) {
        return isWhiteSpace(cp) || (cp >= 0x1C && cp <= 0x1F);
    }

    /**
     * {@code \w} of Rust's regex crate (used by Hugging Face for {@code single_word} added tokens): Alphabetic,
     * marks, decimal digits, connector punctuation and the joiners.
     */
    static boolean isWordCharacter(int cp) {
        if (cp < 0x80) {
            return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
        }
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK || type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.CONNECTOR_PUNCTUATION;
    }

    /** Python's {@code str.strip()} with no argument (Jinja's {@code trim}). */
    static String stripPython(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int cp = s.codePointAt(start);
            if (!isPythonSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = s.codePointBefore(end);
            if (!isPythonSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }
}
