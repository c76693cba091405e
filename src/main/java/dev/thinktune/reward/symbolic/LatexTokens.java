package dev.thinktune.reward.symbolic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Splits an answer into the tokens {@link LatexParser} reads: numbers, single letters, commands ({@code \frac}),
 * symbols, relations in one spelling ({@code \le}, {@code \leq}, {@code <=} and {@code ≤} are all {@code <=}),
 * and words ({@code w:evelyn}) from {@code \text{...}} and its kin or from plain prose. Math delimiters, spacing,
 * {@code \left}/{@code \right}, degree, percent and currency signs are dropped; {@code \boxed{...}} and
 * {@code \mathbf{...}} stand for their content.
 */
final class LatexTokens {

    static final Set<String> RELATIONS = Set.of("=", "<", ">", "<=", ">=", "!=", "≈", "∈");

    private static final Map<String, String> COMMAND_TOKENS = Map.ofEntries(
            Map.entry("le", "<="), Map.entry("leq", "<="), Map.entry("leqslant", "<="), Map.entry("ge", ">="),
            Map.entry("geq", ">="), Map.entry("geqslant", ">="), Map.entry("lt", "<"), Map.entry("gt", ">"),
            Map.entry("ne", "!="), Map.entry("neq", "!="), Map.entry("approx", "≈"), Map.entry("simeq", "≈"),
            Map.entry("in", "∈"), Map.entry("dfrac", "\\frac"), Map.entry("tfrac", "\\frac"),
            Map.entry("cfrac", "\\frac"), Map.entry("lbrace", "\\{"), Map.entry("rbrace", "\\}"),
            Map.entry("vert", "|"), Map.entry("lvert", "|"), Map.entry("rvert", "|"), Map.entry("mid", "|"),
            Map.entry("colon", ":"), Map.entry("ast", "*"), Map.entry("varnothing", "\\emptyset"));
    /** Commands that only space or size what follows. */
    private static final Set<String> DROPPED = Set.of("left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr",
            "bigg", "Bigg", "biggl", "biggr", "displaystyle", "textstyle", "limits", "quad", "qquad", "circ", "degree",
            "hspace", "phantom", "hphantom", "mathrm", "mathbf", "boxed", "fbox", "mathit", "bf", "rm", "it",
            "operatorname", "mathbb", "mathcal", "bm", "boldsymbol", "noindent", "cr");
    /** Commands whose braced argument is prose. */
    private static final Set<String> TEXT = Set.of("text", "textbf", "textit", "textrm", "textnormal", "mbox", "textsf",
            "texttt", "hbox", "emph");
    /** Words of prose or units that are read as words even outside {@code \text}. */
    private static final Set<String> WORDS = Set.of("and", "or", "percent", "pct", "percentage", "cm", "mm", "km",
            "kg", "inches", "inch", "feet", "ft", "miles", "mile", "meters", "meter", "dollars", "dollar", "cents",
            "units", "unit", "degrees", "degree", "yuan", "hours", "hour", "minutes", "minute", "seconds", "days",
            "sq", "square", "cubic", "grams", "liters", "mph");

    /** Stands for {@code \\\\} (a matrix row break) while the answer is cleaned. */
    private static final String ROW_BREAK = "\u0001";

    private static final Pattern THOUSANDS_BRACES = Pattern.compile("\\s*\\{,\\s*\\}\\s*");

    private final String s;
    private final Deadline deadline;
    private final List<String> out = new ArrayList<>();
    private int i;

    private LatexTokens(String s, Deadline deadline) {
        this.s = s;
        this.deadline = deadline;
    }

    static List<String> of(String answer, Deadline deadline) {
        LatexTokens t = new LatexTokens(clean(answer), deadline);
        t.run();
        return t.out;
    }

    private static String clean(String answer) {
        String s = answer.contains("\\begin") ? answer : answer.replaceAll("\\\\\\\\(?=[a-zA-Z])", "\\\\"); // \\\\le in an escaped string
        s = s.replace("\\\\", ROW_BREAK); // before "\\ " (a spacing command) is read
        s = THOUSANDS_BRACES.matcher(s).replaceAll(""); // 14{,}916 and 14 {, }916
        String[][] replacements = {{"\u2212", "-"}, {"\u2013", "-"}, {"\u00d7", "\\times "}, {"\u00b7", "\\cdot "},
                {"\u00f7", "\\div "}, {"\u2264", "<="}, {"\u2265", ">="}, {"\u2260", "!="}, {"\u03c0", "\\pi "},
                {"\u221e", "\\infty "}, {"\u221a", "\\sqrt"}, {"\u222a", "\\cup "}, {"\u00b2", "^2"}, {"\u00b3", "^3"},
                {"\u00b1", "\\pm "}, {"\u00b0", ""}, {"\u20ac", ""}, {"\u00a3", ""}, {"\u00a0", " "},
                {"\\$", ""}, {"$", ""}, {"\\(", " "}, {"\\)", " "}, {"\\[", " "}, {"\\]", " "}, {"\\%", ""},
                {"%", ""}, {"\\!", ""}, {"\\,", " "}, {"\\;", " "}, {"\\:", " "}, {"\\ ", " "}, {"~", " "},
                {"^{\\circ}", ""}, {"^\\circ", ""}, {",\\!", ""}, {"\\qquad", " "}, {"\\quad", " "}, {"\\left.", ""}, {"\\right.", ""}};
        for (String[] r : replacements) {
            s = s.replace(r[0], r[1]);
        }
        return s;
    }

    private void run() {
        int n = s.length();
        while (i < n) {
            deadline.check();
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == ROW_BREAK.charAt(0)) {
                out.add("\\\\");
                i++;
            } else if (Character.isDigit(c) || c == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1))) {
                number();
            } else if (Character.isLetter(c)) {
                letters();
            } else if (c == '\\') {
                command();
            } else if ((c == '<' || c == '>' || c == '!') && i + 1 < n && s.charAt(i + 1) == '=') {
                out.add(c + "=");
                i += 2;
            } else if (c == '=' && i + 1 < n && (s.charAt(i + 1) == '<' || s.charAt(i + 1) == '>')) {
                out.add(s.charAt(i + 1) + "="); // =< and => as written by some
                i += 2;
            } else {
                out.add(String.valueOf(c));
                i++;
            }
        }
    }

    /**
     * Digits and a decimal part; after {@code ^}, {@code _} or {@code \frac} only one digit ({@code x^23} is x
     * squared times 3, {@code \frac12} is a half).
     */
    private void number() {
        int start = i;
        String prev = out.isEmpty() ? "" : out.get(out.size() - 1);
        String prevPrev = out.size() < 2 ? "" : out.get(out.size() - 2);
        boolean script = prev.equals("^") || prev.equals("_") || prev.equals("\\frac")
                || prevPrev.equals("\\frac") && prev.length() == 1 && Character.isDigit(prev.charAt(0));
        if (script) {
            i++;
        } else {
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i + 1 < s.length() && s.charAt(i) == '.' && Character.isDigit(s.charAt(i + 1))) {
                i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
            }
        }
        out.add(s.substring(start, i));
    }

    /** A run of letters: a word when it is one of {@link #WORDS} or the answer is prose, else single letters. */
    private void letters() {
        int start = i;
        while (i < s.length() && Character.isLetter(s.charAt(i))) {
            i++;
        }
        String run = s.substring(start, i);
        boolean script = !out.isEmpty() && (out.get(out.size() - 1).equals("^") || out.get(out.size() - 1).equals("_"));
        if (run.length() > 1 && !script && (WORDS.contains(run.toLowerCase(Locale.ROOT)) || isProse())) {
            out.add("w:" + run.toLowerCase(Locale.ROOT));
            return;
        }
        for (int k = 0; k < run.length(); k++) {
            out.add(String.valueOf(run.charAt(k)));
            if (script) { // x_ab is x_a times b, as in LaTeX
                i = start + 1;
                return;
            }
        }
    }

    /** Whether the whole answer is words (letters, spaces and simple punctuation), like "Even" or "yes". */
    private boolean isProse() {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (!Character.isLetter(c) && !Character.isWhitespace(c) && ",.;'-".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private void command() {
        int start = i + 1;
        int j = start;
        while (j < s.length() && Character.isLetter(s.charAt(j))) {
            j++;
        }
        if (j == start) { // \{ \} \\ \| and the like
            String t = j < s.length() ? "\\" + s.charAt(j) : "\\";
            i = Math.min(j + 1, s.length());
            out.add(t.equals("\\|") ? "|" : t);
            return;
        }
        String name = s.substring(start, j);
        i = j;
        if (TEXT.contains(name)) {
            prose();
        } else if (DROPPED.contains(name)) {
            if ((name.equals("mathrm") || name.equals("mathbf") || name.equals("operatorname"))) {
                wordArgument();
            }
        } else {
            out.add(COMMAND_TOKENS.getOrDefault(name, "\\" + name));
        }
    }

    /** The index of the '{' that opens the argument after the current command (spaces skipped), or -1. */
    private int openingBrace() {
        int k = i;
        while (k < s.length() && s.charAt(k) == ' ') {
            k++;
        }
        return k < s.length() && s.charAt(k) == '{' ? k : -1;
    }

    /** {@code \mathrm{cm}} is a word; {@code \mathrm{e}} and {@code \mathbf{v}} are math and read on as such. */
    private void wordArgument() {
        int k = openingBrace();
        if (k < 0) {
            return;
        }
        int close = s.indexOf('}', k);
        if (close < 0) {
            return;
        }
        String inner = s.substring(k + 1, close).strip();
        if (inner.length() > 1 && inner.chars().allMatch(Character::isLetter)) {
            out.add("w:" + inner.toLowerCase(Locale.ROOT));
            i = close + 1;
        }
    }

    /** The braced argument of {@code \text}: words become word tokens, numbers and brackets stay what they are. */
    private void prose() {
        int k = openingBrace();
        if (k < 0) {
            return;
        }
        int depth = 0;
        int close = -1;
        for (int m = k; m < s.length(); m++) {
            if (s.charAt(m) == '{') {
                depth++;
            } else if (s.charAt(m) == '}' && --depth == 0) {
                close = m;
                break;
            }
        }
        if (close < 0) {
            return;
        }
        String inner = s.substring(k + 1, close);
        i = close + 1;
        int m = 0;
        while (m < inner.length()) {
            char c = inner.charAt(m);
            if (Character.isLetter(c)) {
                int st = m;
                while (m < inner.length() && Character.isLetter(inner.charAt(m))) {
                    m++;
                }
                out.add("w:" + inner.substring(st, m).toLowerCase(Locale.ROOT));
            } else if (Character.isWhitespace(c)) {
                m++;
            } else {
                int st = m;
                while (m < inner.length() && !Character.isLetter(inner.charAt(m))
                        && !Character.isWhitespace(inner.charAt(m))) {
                    m++;
                }
                LatexTokens nested = new LatexTokens(inner.substring(st, m), deadline);
                nested.run();
                out.addAll(nested.out);
            }
        }
    }
}
