package dev.thinktune.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in raw text as Hugging Face's {@code AddedVocabulary} does: first the tokens that are not
 * normalized, over the whole text, then the normalized ones in the text left between (there is no normalizer
 * here, so both passes see the same text). Each pass takes leftmost-longest, non-overlapping matches (its
 * Aho-Corasick automaton); a {@code single_word} match touching a word character is dropped, {@code lstrip} and
 * {@code rstrip} widen a match over the adjacent whitespace.
 */
final class AddedTokenMatcher {

    /** Receives the stretches of text between added tokens, and the added tokens, in order. */
    interface Visitor {
        void text(String text, int start, int end);

        void token(AddedToken token);
    }

    private final Pass raw;
    private final Pass normalized;

    AddedTokenMatcher(List<AddedToken> tokens) {
        List<AddedToken> rawTokens = new ArrayList<>();
        List<AddedToken> normalizedTokens = new ArrayList<>();
        for (AddedToken t : tokens) {
            (t.normalized() ? normalizedTokens : rawTokens).add(t);
        }
        raw = rawTokens.isEmpty() ? null : new Pass(rawTokens);
        normalized = normalizedTokens.isEmpty() ? null : new Pass(normalizedTokens);
    }

    /** Splits {@code text[start, end)} into text stretches and added tokens. */
    void split(String text, int start, int end, Visitor visitor) {
        if (raw == null && normalized == null) {
            if (start < end) {
                visitor.text(text, start, end);
            }
            return;
        }
        if (raw == null) {
            normalized.split(text, start, end, visitor);
            return;
        }
        if (normalized == null) {
            raw.split(text, start, end, visitor);
            return;
        }
        raw.split(text, start, end, new Visitor() {
            @Override
            public void text(String t, int start, int end) {
                normalized.split(t, start, end, visitor);
            }

            @Override
            public void token(AddedToken token) {
                visitor.token(token);
            }
        });
    }

    /** One matching pass over one set of tokens. */
    private static final class Pass {
        /** Tokens by their first char, longest first. */
        private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
        private final BitSet firstChars = new BitSet(65536);

        Pass(List<AddedToken> tokens) {
            Map<Character, List<AddedToken>> groups = new HashMap<>();
            for (AddedToken t : tokens) {
                groups.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
            }
            groups.forEach((c, list) -> {
                list.sort(Comparator.comparingInt((AddedToken t) -> -t.content().length()));
                byFirstChar.put(c, list.toArray(AddedToken[]::new));
                firstChars.set(c);
            });
        }

        void split(String text, int start, int end, Visitor visitor) {
            int emitted = start;
            int i = start;
            while (i < end) {
                char c = text.charAt(i);
                AddedToken match = null;
                if (firstChars.get(c)) {
                    for (AddedToken t : byFirstChar.get(c)) {
                        String content = t.content();
                        if (i + content.length() <= end && text.startsWith(content, i)) {
                            match = t;
                            break;
                        }
                    }
                }
                if (match == null) {
                    i++;
                    continue;
                }
                int matchStart = i;
                int matchEnd = i + match.content().length();
                i = matchEnd;
                if (match.singleWord()) {
                    boolean wordBefore = matchStart > start
                            && UnicodeClasses.isWordCharacter(text.codePointBefore(matchStart));
                    boolean wordAfter = matchEnd < end && UnicodeClasses.isWordCharacter(text.codePointAt(matchEnd));
                    if (wordBefore || wordAfter) {
                        continue;
                    }
                }
                if (match.lstrip()) {
                    int s = matchStart;
                    while (s > emitted && UnicodeClasses.isWhiteSpace(text.charAt(s - 1))) {
                        s--;
                    }
                    matchStart = s;
                }
                if (match.rstrip()) {
                    while (matchEnd < end && UnicodeClasses.isWhiteSpace(text.charAt(matchEnd))) {
                        matchEnd++;
                    }
                    i = matchEnd;
                }
                if (emitted < matchStart) {
                    visitor.text(text, emitted, matchStart);
                }
                visitor.token(match);
                emitted = matchEnd;
            }
            if (emitted < end) {
                visitor.text(text, emitted, end);
            }
        }
    }
}
