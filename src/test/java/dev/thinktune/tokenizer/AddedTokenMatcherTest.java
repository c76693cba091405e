package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Added tokens are found in raw text as Hugging Face's AddedVocabulary finds them (cases from its own tests). */
class AddedTokenMatcherTest {

    private static List<String> split(List<AddedToken> tokens, String text) {
        List<String> out = new ArrayList<>();
        new AddedTokenMatcher(tokens).split(text, 0, text.length(), new AddedTokenMatcher.Visitor() {
            @Override
            public void text(String t, int start, int end) {
                out.add(t.substring(start, end));
            }

            @Override
            public void token(AddedToken token) {
                out.add("#" + token.id());
            }
        });
        return out;
    }

    private static AddedToken token(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                                    boolean normalized) {
        return new AddedToken(id, content, false, singleWord, lstrip, rstrip, normalized);
    }

    @Test
    void leftmostLongestWins() {
        List<AddedToken> tokens = List.of(token(0, "<|a", false, false, false, false),
                token(1, "<|a|>", false, false, false, false), token(2, "|>x", false, false, false, false));
        assertEquals(List.of("x", "#1", "x"), split(tokens, "x<|a|>x"));
        assertEquals(List.of("#0", "b"), split(tokens, "<|ab"));
    }

    @Test
    void singleWordTokensAreNotTakenOutOfWords() {
        List<AddedToken> tokens = List.of(token(0, "<mask>", true, false, false, false));
        assertEquals(List.of("#0", " My name ", "#0", " A<mask> <mask>ony ", "#0"),
                split(tokens, "<mask> My name <mask> A<mask> <mask>ony <mask>"));
        // punctuation is no word character, a combining mark is
        assertEquals(List.of("#0", ", ", "#0", "- \u25CC\u0330<mask>"), split(tokens, "<mask>, <mask>- \u25CC\u0330<mask>"));
    }

    @Test
    void lstripAndRstripTakeAdjacentUnicodeWhitespace() {
        List<AddedToken> tokens = List.of(token(0, "<mask>", true, true, true, false));
        // the third match cannot take the tab the second already took
        assertEquals(List.of("Hi", "#0", "there", "#0", "#0"), split(tokens, "Hi <mask> there\t<mask>\t<mask>\u2000"));
    }

    @Test
    void nonNormalizedTokensAreFoundFirstThenNormalizedOnesInBetween() {
        List<AddedToken> tokens = List.of(token(0, "ab", false, false, false, true),
                token(1, "bc", false, false, false, false));
        // "bc" (not normalized) is taken first from "abc", leaving "a" in which "ab" cannot be found
        assertEquals(List.of("a", "#1"), split(tokens, "abc"));
        assertEquals(List.of("#0", " ", "#1"), split(tokens, "ab bc"));
    }
}
