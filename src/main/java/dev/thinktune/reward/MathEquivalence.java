package dev.thinktune.reward;

import dev.thinktune.reward.symbolic.SymbolicEquivalence;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether two mathematical answers are the same. Both are first normalised ({@link #normalize}) in the manner of
 * the MATH benchmark's {@code strip_string} (Hendrycks et al.), extended for the forms models write in word
 * problems; they are equal when the normalised strings are, when both are numbers within the tolerance, or when
 * both are tuples or intervals with the same brackets whose elements are pairwise equal. Two integers are compared
 * exactly (so {@code 023 = 23} but {@code 1000001 != 1000000}); the tolerance applies when either side is a decimal
 * or a fraction.
 *
 * <p>Numbers: integers with thousands separators ({@code 1,000}, {@code 1{,}000}), decimals ({@code 3.0 = 3}),
 * fractions ({@code 1/2}, {@code \frac{1}{2}}, {@code \dfrac}, {@code \tfrac}, {@code \frac12}), negatives (also
 * with the Unicode minus sign). A percent sign is dropped ({@code 50\% = 50}, not 0.5), as are dollar signs, degree
 * signs and units ({@code \text{ cm}}, or words after a number: "18 dollars").
 *
 * <p>These string and numeric paths come first. When they find two answers different and either is more than a
 * plain number, the answers go to {@link SymbolicEquivalence}, which parses both and compares structures and
 * values ({@code 2\sqrt{2} = \sqrt{8}}, {@code y = 2x + 1} vs {@code 2x + 1}, sets in any order, {@code \pm}),
 * within {@code timeLimitMillis}: past the limit the answers count as different.
 *
 * @param relTol          relative tolerance of a numeric comparison
 * @param absTol          absolute tolerance, the floor for numbers near zero
 * @param timeLimitMillis the longest one symbolic comparison may take, in milliseconds
 */
public record MathEquivalence(double relTol, double absTol, long timeLimitMillis) {

    public static final double DEFAULT_REL_TOL = 1e-6;
    public static final double DEFAULT_ABS_TOL = 1e-9;
    /** One second: far above the few milliseconds a real answer takes, short enough not to stall a step. */
    public static final long DEFAULT_TIME_LIMIT_MILLIS = 1000;
    public static final MathEquivalence DEFAULT = new MathEquivalence(DEFAULT_REL_TOL, DEFAULT_ABS_TOL);

    /** Which comparison decided a verdict. */
    public enum Path {
        /** the normalised strings are equal */
        STRING,
        /** both are plain numbers (integers exactly, else within the tolerances) */
        NUMBER,
        /** both are tuples or intervals of the same shape whose elements matched by the paths above */
        TUPLE,
        /** the parsed structures and values ({@link SymbolicEquivalence}) */
        SYMBOLIC
    }

    /**
     * A verdict and the path that reached it.
     *
     * @param verdict the symbolic comparison's outcome, when {@code path} is {@link Path#SYMBOLIC}
     */
    public record Comparison(boolean equal, Path path, SymbolicEquivalence.Verdict verdict) {
    }

    /** The default time limit. */
    public MathEquivalence(double relTol, double absTol) {
        this(relTol, absTol, DEFAULT_TIME_LIMIT_MILLIS);
    }

    private static final Pattern THOUSANDS = Pattern.compile("^-?\\d{1,3}(,\\d{3})+(\\.\\d+)?$");
    private static final Pattern NUMBER_THEN_WORDS =
            Pattern.compile("^(-?[\\d.,]*\\d(?:/\\d+)?)\\s*(?:[A-Za-z]{2,}[A-Za-z.\\-]*)(?:\\s+[A-Za-z.\\-]+)*$");
    /** The left side of "x = 5" that is dropped: a letter, or a letter and one more character (a subscript). */
    private static final Pattern NAME = Pattern.compile("^[A-Za-z][A-Za-z0-9_']?$");
    private static final Pattern INTEGER = Pattern.compile("^-?\\d+$");
    private static final Pattern DECIMAL = Pattern.compile("^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)$");
    private static final Pattern SLASH_FRACTION = Pattern.compile("^(-?)(\\d+)/(\\d+)$");
    private static final Pattern FRAC = Pattern.compile("^(-?)\\\\frac\\{([^{}]+)\\}\\{([^{}]+)\\}$");
    private static final Pattern SPACED_TEXT = Pattern.compile("\\\\(?:text|mbox|textrm|mathrm)\\{\\s[^{}]*\\}");

    public MathEquivalence {
        if (!(relTol >= 0) || !(absTol >= 0) || Double.isInfinite(relTol) || Double.isInfinite(absTol)) {
            throw new IllegalArgumentException("tolerances must be finite and >= 0, got rel " + relTol
                    + " abs " + absTol);
        }
        if (timeLimitMillis <= 0) {
            throw new IllegalArgumentException("the time limit must be > 0 ms, got " + timeLimitMillis);
        }
    }

    /** Whether {@code predicted} and {@code reference} are the same answer. */
    public boolean equivalent(String predicted, String reference) {
        return compare(predicted, reference).equal();
    }

    /** Whether {@code predicted} and {@code reference} are the same answer, and which path decided it. */
    public Comparison compare(String predicted, String reference) {
        if (predicted == null || reference == null) {
            return new Comparison(false, Path.STRING, null);
        }
        String p = normalize(predicted);
        String r = normalize(reference);
        if (p.isEmpty() || r.isEmpty()) {
            return new Comparison(false, Path.STRING, null);
        }
        if (p.equals(r)) {
            return new Comparison(true, Path.STRING, null);
        }
        boolean numbers = numericValue(p).isPresent() && numericValue(r).isPresent();
        if (equivalentNormalized(p, r, 0)) {
            return new Comparison(true, numbers ? Path.NUMBER : Path.TUPLE, null);
        }
        if (numbers) {
            return new Comparison(false, Path.NUMBER, null);
        }
        SymbolicEquivalence.Verdict v = new SymbolicEquivalence(relTol, absTol, timeLimitMillis)
                .compare(predicted, reference);
        return new Comparison(v.equal(), Path.SYMBOLIC, v);
    }

    private boolean equivalentNormalized(String p, String r, int depth) {
        if (p.equals(r)) {
            return true;
        }
        if (INTEGER.matcher(p).matches() && INTEGER.matcher(r).matches()) {
            return new BigInteger(p).equals(new BigInteger(r)); // 1000001 is not 1000000, whatever the tolerance
        }
        OptionalDouble a = numericValue(p);
        OptionalDouble b = numericValue(r);
        if (a.isPresent() && b.isPresent()) {
            return close(a.getAsDouble(), b.getAsDouble());
        }
        if (depth < 3) {
            List<String> pe = tupleElements(p);
            List<String> re = tupleElements(r);
            if (pe != null && re != null && pe.size() == re.size() && p.charAt(0) == r.charAt(0)
                    && p.charAt(p.length() - 1) == r.charAt(r.length() - 1)) {
                for (int i = 0; i < pe.size(); i++) {
                    if (!equivalentNormalized(pe.get(i), re.get(i), depth + 1)) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** Whether two numbers are equal within the relative tolerance, or the absolute one near zero. */
    public boolean close(double a, double b) {
        if (a == b) {
            return true;
        }
        double diff = Math.abs(a - b);
        return diff <= Math.max(absTol, relTol * Math.max(Math.abs(a), Math.abs(b)));
    }

    /**
     * The value of a normalised answer that is a plain number: an integer, a decimal, {@code a/b} or
     * {@code \frac{a}{b}} with numeric a and b (either may be negative).
     */
    public static OptionalDouble numericValue(String normalized) {
        String s = normalized;
        if (DECIMAL.matcher(s).matches()) {
            return OptionalDouble.of(new BigDecimal(s).doubleValue());
        }
        Matcher slash = SLASH_FRACTION.matcher(s);
        if (slash.matches()) {
            return ratio(slash.group(1), slash.group(2), slash.group(3));
        }
        Matcher frac = FRAC.matcher(s);
        if (frac.matches()) {
            return ratio(frac.group(1), frac.group(2), frac.group(3));
        }
        return OptionalDouble.empty();
    }

    private static OptionalDouble ratio(String sign, String num, String den) {
        if (!DECIMAL.matcher(num).matches() || !DECIMAL.matcher(den).matches()) {
            return OptionalDouble.empty();
        }
        double d = new BigDecimal(den).doubleValue();
        if (d == 0) {
            return OptionalDouble.empty();
        }
        double v = new BigDecimal(num).doubleValue() / d;
        return OptionalDouble.of(sign.isEmpty() ? v : -v);
    }

    /**
     * The canonical form of an answer: the MATH benchmark's {@code strip_string} steps (no line breaks,
     * {@code \!}, {@code \left}/{@code \right}, degree and dollar signs, units after {@code \text{ }}, percent;
     * {@code \dfrac}/{@code \tfrac} as {@code \frac}; {@code \frac12} as {@code \frac{1}{2}}; {@code .5} as
     * {@code 0.5}; {@code a/b} as {@code \frac{a}{b}}; "x = 5" as "5"; no spaces), plus: surrounding math
     * delimiters, the Unicode minus, {@code \text{...}} unwrapped, thousands separators, trailing words after a
     * number ("18 dollars"), trailing periods and redundant outer braces.
     */
    public static String normalize(String answer) {
        String s = answer.strip();
        s = s.replace('\u2212', '-').replace('\u2013', '-').replace('\u00a0', ' ');
        s = stripDelimiters(s);
        s = s.replace("\n", "").replace("\r", "");
        s = s.replaceAll(",\\\\!\\s*", ",").replace("\\!", "").replace("\\,", "").replace("\\;", "").replace("\\:", "").replace("\\ ", " ");
        s = s.replace("\\displaystyle", "");
        s = s.replace("\\\\", "\\");
        s = s.replace("tfrac", "frac").replace("dfrac", "frac");
        s = s.replace("\\left", "").replace("\\right", "");
        s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("\u00b0", "");
        s = s.replace("\\$", "").replace("$", "");
        s = SPACED_TEXT.matcher(s).replaceAll(""); // units: 10\text{ cm}
        s = Latex.unwrap(s, "text", "textbf", "textrm", "mathrm", "mbox", "mathbf", "boxed");
        s = s.replace("\\%", "").replace("%", "");
        s = s.replaceAll("\\s*\\{,\\s*\\}\\s*", ",");
        s = s.strip();
        s = stripTrailingPeriods(s);
        Matcher words = NUMBER_THEN_WORDS.matcher(s);
        if (words.matches()) {
            s = words.group(1);
        }
        if (THOUSANDS.matcher(s).matches()) {
            s = s.replace(",", "");
        }
        s = s.replace(" .", " 0.").replace("{.", "{0.");
        if (s.startsWith(".")) {
            s = "0" + s;
        } else if (s.startsWith("-.")) {
            s = "-0" + s.substring(1);
        }
        String[] sides = s.split("=", -1);
        if (sides.length == 2 && NAME.matcher(sides[0].strip()).matches()) {
            s = sides[1];
        }
        s = fixSqrt(s);
        s = s.replace(" ", "");
        s = fixFracs(s);
        s = fixSlashFraction(s);
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        s = stripOuterBraces(s);
        return stripTrailingPeriods(s);
    }

    private static String stripDelimiters(String s) {
        String t = s;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String[] d : new String[][]{{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}}) {
                if (t.length() >= d[0].length() + d[1].length() && t.startsWith(d[0]) && t.endsWith(d[1])) {
                    t = t.substring(d[0].length(), t.length() - d[1].length()).strip();
                    changed = true;
                }
            }
        }
        return t;
    }

    private static String stripTrailingPeriods(String s) {
        String t = s;
        while (t.endsWith(".") && !t.endsWith("\\.")) {
            t = t.substring(0, t.length() - 1).strip();
        }
        return t;
    }

    private static String stripOuterBraces(String s) {
        String t = s;
        while (t.length() >= 2 && t.charAt(0) == '{' && Latex.matchingBrace(t, 0) == t.length() - 1) {
            t = t.substring(1, t.length() - 1);
        }
        return t;
    }

    /** {@code \sqrt3} as {@code \sqrt{3}}. */
    private static String fixSqrt(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int at = s.indexOf("\\sqrt", i);
            if (at < 0) {
                out.append(s, i, s.length());
                break;
            }
            int after = at + 5;
            out.append(s, i, after);
            if (after < s.length() && s.charAt(after) != '{' && s.charAt(after) != '['
                    && !Character.isWhitespace(s.charAt(after)) && s.charAt(after) != '\\') {
                out.append('{').append(s.charAt(after)).append('}');
                i = after + 1;
            } else {
                i = after;
            }
        }
        return out.toString();
    }

    /** {@code \frac12} as {@code \frac{1}{2}}; {@code \frac1{72}} and {@code \frac{1}2} likewise. */
    private static String fixFracs(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int at = s.indexOf("\\frac", i);
            if (at < 0) {
                out.append(s, i, s.length());
                break;
            }
            out.append(s, i, at).append("\\frac");
            int j = at + 5;
            for (int arg = 0; arg < 2 && j < s.length(); arg++) {
                char c = s.charAt(j);
                if (c == '{') {
                    int close = Latex.matchingBrace(s, j);
                    if (close < 0) {
                        break;
                    }
                    out.append(s, j, close + 1);
                    j = close + 1;
                } else if (c == '\\') {
                    break; // \frac\pi2 and the like: left as written
                } else {
                    out.append('{').append(c).append('}');
                    j++;
                }
            }
            i = j;
        }
        return out.toString();
    }

    /** {@code a/b} with integer a and b as {@code \frac{a}{b}}. */
    private static String fixSlashFraction(String s) {
        Matcher m = SLASH_FRACTION.matcher(s);
        if (!m.matches()) {
            return s;
        }
        return m.group(1) + "\\frac{" + m.group(2) + "}{" + m.group(3) + "}";
    }

    /** The top-level comma-separated elements of a bracketed tuple or interval, or null when it is not one. */
    private static List<String> tupleElements(String s) {
        if (s.length() < 3 || "([".indexOf(s.charAt(0)) < 0 || ")]".indexOf(s.charAt(s.length() - 1)) < 0) {
            return null;
        }
        String inner = s.substring(1, s.length() - 1);
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(inner.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(inner.substring(start));
        return parts.size() < 2 ? null : parts;
    }
}
