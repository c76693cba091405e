package dev.thinktune.reward;

import java.util.Optional;

/** Small helpers for the LaTeX found in answers: brace matching and unwrapping of {@code \cmd{...}} groups. */
final class Latex {

    private Latex() {
    }

    /**
     * Index of the brace that closes the one at {@code open} ({@code s.charAt(open) == '{'}), honouring nesting
     * and escaped braces {@code \{ \}}; -1 when it is never closed.
     */
    static int matchingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                i++; // an escaped character (\{, \}, \\) does not count
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * The content of the braced argument that starts at or after {@code from} (spaces skipped), if it is
     * well formed.
     */
    static Optional<String> bracedArgument(String s, int from) {
        int i = skipSpaces(s, from);
        if (i >= s.length() || s.charAt(i) != '{') {
            return Optional.empty();
        }
        int close = matchingBrace(s, i);
        return close < 0 ? Optional.empty() : Optional.of(s.substring(i + 1, close));
    }

    static int skipSpaces(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    /**
     * Replaces every {@code \cmd{content}} by {@code content} (for each command name given, e.g. "text"), so
     * {@code \text{(B)}} becomes {@code (B)}; an unclosed group is left as it is.
     */
    static String unwrap(String s, String... commands) {
        String out = s;
        for (String cmd : commands) {
            String token = "\\" + cmd;
            int from = 0;
            while (true) {
                int at = out.indexOf(token, from);
                if (at < 0) {
                    break;
                }
                int afterName = at + token.length();
                // \textbf must not be taken for \text followed by "bf"
                if (afterName < out.length() && Character.isLetter(out.charAt(afterName))) {
                    from = afterName;
                    continue;
                }
                int open = skipSpaces(out, afterName);
                if (open >= out.length() || out.charAt(open) != '{') {
                    from = afterName;
                    continue;
                }
                int close = matchingBrace(out, open);
                if (close < 0) {
                    from = afterName;
                    continue;
                }
                out = out.substring(0, at) + out.substring(open + 1, close) + out.substring(close + 1);
                from = at;
            }
        }
        return out;
    }
}
