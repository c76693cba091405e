package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The Llama 3 and GPT-2 split scanners cut text as the regex engines of the reference implementations do, on all
 * of Unicode. Expected pieces are worked out by hand from the regex alternatives; the property tests compare the
 * scanners with {@code java.util.regex} running the same pattern with Unicode classes, on seeded random text.
 */
class SplitPatternTest {

    private static List<String> pieces(SplitPattern pattern, String text) {
        List<String> out = new ArrayList<>();
        pattern.split(text, 0, text.length(), (t, s, e) -> out.add(t.substring(s, e)));
        return out;
    }

    private static List<String> llama3(String text) {
        return pieces(new Llama3SplitPattern(), text);
    }

    private static List<String> gpt2(String text) {
        return pieces(new Gpt2SplitPattern(), text);
    }

    @Test
    void knownPatternsGetTheScannersAndOthersTheRegexEngine() {
        assertInstanceOf(Llama3SplitPattern.class, SplitPattern.of(SplitPattern.LLAMA3_REGEX));
        assertInstanceOf(Gpt2SplitPattern.class, SplitPattern.of(SplitPattern.GPT2_REGEX));
        assertInstanceOf(RegexSplitPattern.class, SplitPattern.of("\\p{N}+"));
        assertEquals(List.of("ab", "12", "cd", "3"), pieces(SplitPattern.of("\\p{N}+"), "ab12cd3"));
    }

    @Test
    void accentedAndCjkLettersAreWords() {
        assertEquals(List.of("naïve", " café", " déjà", " vu"), llama3("naïve café déjà vu"));
        assertEquals(List.of("東京タワー", " に", " 行く"), llama3("東京タワー に 行く"));
        assertEquals(List.of("Ünïcödé", " WORDS"), llama3("Ünïcödé WORDS"));
    }

    @Test
    void supplementaryLettersAreOneCodePointEach() {
        // U+1D400 MATHEMATICAL BOLD CAPITAL A is a letter (Lu) outside the BMP; U+20000 is a CJK letter (Lo)
        assertEquals(List.of("\uD835\uDC00\uD835\uDC01x", " \uD840\uDC00"), llama3("\uD835\uDC00\uD835\uDC01x \uD840\uDC00"));
    }

    @Test
    void emojiAreSymbolsNotLetters() {
        // So: grouped as "other" with an optional leading space; a letter after a symbol takes it as its prefix
        assertEquals(List.of("🚀🚀", " 👍🏽!"), llama3("🚀🚀 👍🏽!"), "emoji, skin tone and ! are one run");
        assertEquals(List.of("🚀x"), llama3("🚀x"), "one symbol right before a word is its prefix");
        assertEquals(List.of("🚀🚀", "x"), llama3("🚀🚀x"), "but a run of symbols is matched first, as a whole");
    }

    @Test
    void digitsSplitInThreesInEveryScript() {
        assertEquals(List.of("123", "456", "7"), llama3("1234567"));
        assertEquals(List.of("٣٤٥", "٦"), llama3("٣٤٥٦"), "Arabic-Indic digits (Nd)");
        assertEquals(List.of("①②③", "④"), llama3("①②③④"), "circled numbers (No)");
        // superscript two and one half are numbers (No); a lone space before a number is its own piece
        assertEquals(List.of("x", "²", " ", "½"), llama3("x² ½"));
        assertEquals(List.of("3", ".", "141", "59"), llama3("3.14159"));
        assertEquals(List.of("1234567"), gpt2("1234567"), "GPT-2 keeps digit runs whole");
    }

    @Test
    void contractionsAreCaseInsensitiveIncludingLongS() {
        assertEquals(List.of("I", "'D", " know"), llama3("I'D know"));
        assertEquals(List.of("WE", "'LL", " GO"), llama3("WE'LL GO"));
        assertEquals(List.of("it", "'S"), llama3("it'S"));
        // U+017F LATIN SMALL LETTER LONG S folds to s, so (?i)'s matches it
        assertEquals(List.of("it", "'\u017F"), llama3("it'\u017F"));
        assertEquals(List.of("it", "'", "S"), gpt2("it'S"), "GPT-2's contractions are case-sensitive");
    }

    @Test
    void contractionBeatsTheWordWithApostrophePrefix() {
        assertEquals(List.of("'s", "ure"), llama3("'sure"));
        assertEquals(List.of("'x"), llama3("'x"));
    }

    @Test
    void whitespaceRunsLeaveTheirLastSpaceToTheNextWord() {
        assertEquals(List.of("a", "  ", " b"), llama3("a   b"));
        assertEquals(List.of("a", " ", " ", "1"), llama3("a  1"), "a space before digits is not their prefix");
        assertEquals(List.of("   "), llama3("   "), "trailing whitespace stays whole at the end");
        assertEquals(List.of("x", "\t", "\tword"), llama3("x\t\tword"), "a tab before a letter is its prefix");
    }

    @Test
    void aSpaceBeforeDigitsIsItsOwnPiece() {
        assertEquals(List.of("a", " ", "12"), llama3("a 12"));
        assertEquals(List.of("a", " 12"), gpt2("a 12"));
    }

    @Test
    void newlineRunsEndAtTheirLastNewline() {
        assertEquals(List.of("x", "\r\n\r\n", "y"), llama3("x\r\n\r\ny"));
        assertEquals(List.of("x", "  \n\n", "  ", " y"), llama3("x  \n\n   y"));
        assertEquals(List.of("end", ".\n\n"), llama3("end.\n\n"), "punctuation takes the newlines after it");
        assertEquals(List.of("a", "\n", "b"), llama3("a\nb"), "a newline is never a word prefix");
    }

    @Test
    void unicodeSpacesAreWhitespace() {
        // NBSP, ideographic space, thin spaces, line separator: White_Space, unlike Java's default \s
        assertEquals(List.of("a", "\u00A0b"), llama3("a\u00A0b"));
        assertEquals(List.of("a", "\u3000", "\u3000b"), llama3("a\u3000\u3000b"));
        assertEquals(List.of("1", "\u2009", "000"), llama3("1\u2009000"));
        assertEquals(List.of("x", "\u2028\u2028"), llama3("x\u2028\u2028"));
        assertEquals(List.of("x", "\u00A0", "("), llama3("x\u00A0("), "only U+0020 may lead punctuation");
        // U+200B ZERO WIDTH SPACE and U+001F are not White_Space: they are "other" characters
        assertEquals(List.of("a", "\u200B\u001F", "b"), gpt2("a\u200B\u001Fb"));
        assertEquals(List.of("a", "\u200Bb"), llama3("a\u200Bb"));
    }

    @Test
    void gpt2SplitsAsItsRegex() {
        assertEquals(List.of("Hello", " world", "!", " It", "'s", " 2024", "  ", " ok", "\n"),
                gpt2("Hello world! It's 2024   ok\n"));
        assertEquals(List.of(" ", "\u00A0", "x"), gpt2(" \u00A0x"), "only U+0020 is GPT-2's optional space");
    }

    @Test
    void splittingARangeTreatsItsEndAsTheEndOfText() {
        String text = "ab  cd";
        List<String> out = new ArrayList<>();
        new Llama3SplitPattern().split(text, 0, 4, (t, s, e) -> out.add(t.substring(s, e)));
        assertEquals(List.of("ab", "  "), out, "the lookahead (?!\\S) does not see past the range");
    }

    // ---- properties against java.util.regex ----

    private static final String POOL = "aZé東ß\u017F'sStTlLdDmMrReEvV019٣²½①   \t\n\r\u000B\u000C\u0085\u00A0\u1680"
            + "\u2000\u2009\u202F\u205F\u3000\u2028\u2029\u200B\u001C\u001F.,!?-_(){}[]<|>\\\"#$%&*+/:;=@^`~—…\u0301";
    private static final String[] SUPPLEMENTARY = {"\uD83D\uDE80", "\uD835\uDC00", "\uD840\uDC00", "\uD83D\uDC4D\uD83C\uDFFD"};

    private static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(24);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(20);
            if (kind == 0) {
                b.append(SUPPLEMENTARY[random.nextInt(SUPPLEMENTARY.length)]);
            } else if (kind == 1) {
                int cp;
                do {
                    cp = random.nextInt(0x30000);
                } while (Character.getType(cp) == Character.UNASSIGNED || Character.getType(cp) == Character.SURROGATE);
                b.appendCodePoint(cp);
            } else {
                b.append(POOL.charAt(random.nextInt(POOL.length())));
            }
        }
        return b.toString();
    }

    private static void assertSameAsRegex(SplitPattern scanner, String regex, long seed) {
        RegexSplitPattern reference = RegexSplitPattern.compile(regex);
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            String text = randomText(random);
            assertEquals(pieces(reference, text), pieces(scanner, text), () -> "pieces of " + escape(text));
        }
    }

    @Test
    void llama3ScannerCutsAsTheRegexOnRandomUnicode() {
        assertSameAsRegex(new Llama3SplitPattern(), SplitPattern.LLAMA3_REGEX, 1);
    }

    @Test
    void qwen2ScannerCutsAsTheRegexOnRandomUnicode() {
        assertSameAsRegex(Llama3SplitPattern.qwen2(), SplitPattern.QWEN2_REGEX, 3);
    }

    @Test
    void qwen2SplitsDigitsOneAtATimeAndOtherwiseAsLlama3() {
        SplitPattern qwen2 = SplitPattern.of(SplitPattern.QWEN2_REGEX);
        assertEquals(SplitPattern.QWEN2_REGEX, qwen2.regex());
        assertEquals(List.of("1", "2", "3", "4", "5"), pieces(qwen2, "12345"));
        assertEquals(List.of("123", "45"), llama3("12345"));
        assertEquals(List.of("x", "=", "1", "2", ".", "5", "%", " of", " ", "3", "0", "0", "0", "\n"),
                pieces(qwen2, "x=12.5% of 3000\n"));
        assertEquals(llama3("Don't   stop\n\n  the  music!"), pieces(qwen2, "Don't   stop\n\n  the  music!"));
    }

    @Test
    void gpt2ScannerCutsAsTheRegexOnRandomUnicode() {
        assertSameAsRegex(new Gpt2SplitPattern(), SplitPattern.GPT2_REGEX, 2);
    }

    @Test
    void whiteSpaceClassIsTheRegexEnginesOnEveryCodePoint() {
        java.util.regex.Pattern s = java.util.regex.Pattern.compile("\\s", java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);
        java.util.regex.Pattern l = java.util.regex.Pattern.compile("\\p{L}");
        java.util.regex.Pattern n = java.util.regex.Pattern.compile("\\p{N}");
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            String c = Character.toString(cp);
            int code = cp;
            assertEquals(s.matcher(c).matches(), UnicodeClasses.isWhiteSpace(cp), () -> "\\s at U+" + Integer.toHexString(code));
            assertEquals(l.matcher(c).matches(), UnicodeClasses.isLetter(cp), () -> "\\p{L} at U+" + Integer.toHexString(code));
            assertEquals(n.matcher(c).matches(), UnicodeClasses.isNumber(cp), () -> "\\p{N} at U+" + Integer.toHexString(code));
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> b.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp)
                : String.format("\\u{%X}", cp)));
        return b.append('"').toString();
    }
}
