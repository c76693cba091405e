package dev.thinktune.reward.symbolic;

import dev.thinktune.reward.symbolic.Expr.Bracketed;
import dev.thinktune.reward.symbolic.Expr.Call;
import dev.thinktune.reward.symbolic.Expr.Factorial;
import dev.thinktune.reward.symbolic.Expr.Matrix;
import dev.thinktune.reward.symbolic.Expr.Num;
import dev.thinktune.reward.symbolic.Expr.PlusMinus;
import dev.thinktune.reward.symbolic.Expr.Power;
import dev.thinktune.reward.symbolic.Expr.Product;
import dev.thinktune.reward.symbolic.Expr.Relation;
import dev.thinktune.reward.symbolic.Expr.Sum;
import dev.thinktune.reward.symbolic.Expr.Text;
import dev.thinktune.reward.symbolic.Expr.Union;
import dev.thinktune.reward.symbolic.Expr.Var;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Whether two answers are the same mathematical object, by their structure and value: both are parsed
 * ({@link LatexParser}); tuples, intervals and matrices are compared element by element in order, sets (also a bare
 * list {@code 1, 2} and the two values of {@code a \pm b}) and unions element by element in any order, relations
 * with their sides ({@code x \ge 5} is {@code 5 \le x}); an equation whose left side is a name ({@code x = 5},
 * {@code y = 2x + 1}, {@code (p, q) = (3, 2)}) stands for its right side, and {@code a < x < b} for the interval.
 * Two scalar expressions are equal when they have the same value, within the tolerances, at four points where
 * each free name takes a fixed pseudo-random value in [0.5, 2], so different names ({@code f(x)}, {@code f(y)})
 * differ ({@code 2\sqrt{2}} and
 * {@code \sqrt{8}}, {@code (x+1)^2} and {@code x^2+2x+1}, {@code 2\sin b\cos a} and {@code \sin(a+b)-\sin(a-b)});
 * two expressions without names that both have integer values must be exactly equal. A polynomial identity
 * that holds at four such points holds everywhere unless the points happen to be roots of the difference, which
 * for these values does not happen in practice.
 *
 * <p>Every comparison has a time limit: the parser and the evaluator check it as they go, so an answer built to
 * explode ({@code 1 \pm 2 \pm 3 \pm \dots}, whose values double with each sign) gives
 * {@link Verdict#TIME_LIMIT} ("not equal") once the limit has passed.
 *
 * @param relTol          relative tolerance of a numeric comparison
 * @param absTol          absolute tolerance, the floor for values near zero
 * @param timeLimitMillis the longest a comparison may take, in milliseconds
 */
public record SymbolicEquivalence(double relTol, double absTol, long timeLimitMillis) {

    /** The outcome of a comparison. */
    public enum Verdict {
        EQUAL,
        DIFFERENT,
        /** one side could not be parsed (sums, integrals, prose mixed with math): not equal */
        UNREADABLE,
        /** the time limit passed: not equal */
        TIME_LIMIT;

        public boolean equal() {
            return this == EQUAL;
        }
    }

    private static final int POINTS = 4;
    private static final Set<String> CONSTANTS = Set.of("pi", "e", "i");

    public SymbolicEquivalence {
        if (timeLimitMillis <= 0) {
            throw new IllegalArgumentException("the time limit must be > 0 ms, got " + timeLimitMillis);
        }
    }

    /** Compares two answers as written (LaTeX or plain text). */
    public Verdict compare(String predicted, String reference) {
        Deadline deadline = Deadline.after(timeLimitMillis);
        try {
            Expr p = canonical(LatexParser.parse(predicted, deadline));
            Expr r = canonical(LatexParser.parse(reference, deadline));
            return new Comparison(deadline).equal(p, r) ? Verdict.EQUAL : Verdict.DIFFERENT;
        } catch (TimeLimitExceeded e) {
            return Verdict.TIME_LIMIT;
        } catch (RuntimeException | StackOverflowError e) {
            return Verdict.UNREADABLE;
        }
    }

    /** Whether {@code text} reads as an answer the comparison understands. */
    public static boolean readable(String text) {
        try {
            LatexParser.parse(text, Deadline.after(1000));
            return true;
        } catch (RuntimeException | StackOverflowError e) {
            return false;
        }
    }

    /** Equations with a named left side as their value, inequality chains as intervals, units dropped. */
    static Expr canonical(Expr e) {
        if (e instanceof Relation r) {
            return relation(r);
        }
        if (e instanceof Bracketed b) {
            return new Bracketed(b.open(), map(b.elements(), SymbolicEquivalence::canonical), b.close());
        }
        if (e instanceof Union u) {
            return new Union(map(u.parts(), SymbolicEquivalence::canonical));
        }
        if (e instanceof Matrix m) {
            return new Matrix(map(m.rows(), row -> map(row, SymbolicEquivalence::canonical)));
        }
        if (e instanceof Product p) {
            return product(p);
        }
        if (e instanceof Sum s) {
            return new Sum(map(s.terms(), SymbolicEquivalence::canonical));
        }
        if (e instanceof Power p) {
            return new Power(canonical(p.base()), canonical(p.exponent()));
        }
        return e;
    }

    private static <A, B> List<B> map(List<A> xs, Function<A, B> f) {
        return xs.stream().map(f).collect(Collectors.toList());
    }

    /** Words next to numbers are units ({@code 15 cm^2}) and go; a product of words only is prose. */
    private static Expr product(Product p) {
        List<Expr> kept = new ArrayList<>();
        List<String> words = new ArrayList<>();
        for (Expr f : p.factors()) {
            Expr c = canonical(f);
            if (c instanceof Text t) {
                words.add(t.words());
            } else if (c instanceof Power pw && pw.base() instanceof Text) {
                continue;
            } else {
                kept.add(c);
            }
        }
        if (kept.isEmpty()) {
            return new Text(String.join(" ", words));
        }
        return kept.size() == 1 ? kept.get(0) : new Product(kept);
    }

    private static Expr relation(Relation r) {
        List<Expr> sides = map(r.sides(), SymbolicEquivalence::canonical);
        List<String> ops = r.operators();
        if (ops.stream().allMatch(o -> o.equals(">") || o.equals(">="))) { // a > b as b < a
            List<Expr> flipped = new ArrayList<>(sides);
            Collections.reverse(flipped);
            List<String> flippedOps = new ArrayList<>();
            for (int k = ops.size() - 1; k >= 0; k--) {
                flippedOps.add(ops.get(k).equals(">") ? "<" : "<=");
            }
            sides = flipped;
            ops = flippedOps;
        }
        if (sides.size() == 3 && isName(sides.get(1)) && ops.stream().allMatch(o -> o.equals("<") || o.equals("<="))) {
            return new Bracketed(ops.get(0).equals("<") ? '(' : '[', List.of(sides.get(0), sides.get(2)),
                    ops.get(1).equals("<") ? ')' : ']');
        }
        return new Relation(sides, ops);
    }

    /**
     * The value an equation with a named left side states ({@code x = 5}: 5; {@code x = 5+5+1 = 11 \approx 11.0}:
     * the side after the last "="), or the set of {@code x \in S}; other expressions as they are.
     */
    private static Expr stated(Expr e) {
        if (!(e instanceof Relation r) || !isName(r.sides().get(0))) {
            return e;
        }
        List<String> ops = r.operators();
        if (ops.stream().allMatch(o -> o.equals("=") || o.equals("≈"))) {
            int last = ops.lastIndexOf("=");
            return r.sides().get(last >= 0 ? last + 1 : r.sides().size() - 1);
        }
        if (ops.size() == 1 && ops.get(0).equals("∈")) {
            return r.sides().get(1);
        }
        return e;
    }

    /**
     * Whether {@code e} names a quantity rather than states a value: built from names alone, without numbers or
     * constants: a letter, {@code a_3}, {@code f(x)} (a product of names), {@code |AB|}, {@code \frac{NO}{BO}},
     * {@code V_1 : V_2}, or a tuple of such.
     */
    private static boolean isName(Expr e) {
        if (e instanceof Var v) {
            return !CONSTANTS.contains(v.name());
        }
        if (e instanceof Product p) {
            return p.factors().stream().allMatch(SymbolicEquivalence::isName);
        }
        if (e instanceof Power p) {
            return isName(p.base()) && (p.exponent().equals(new Num(-1)) || isName(p.exponent()));
        }
        if (e instanceof Call c) {
            return c.function().equals("abs") && isName(c.argument());
        }
        if (e instanceof Bracketed b) {
            return !b.isSet() && b.elements().stream().allMatch(SymbolicEquivalence::isName);
        }
        return false;
    }

    /** One comparison under one deadline. */
    private final class Comparison {
        private final Deadline deadline;

        Comparison(Deadline deadline) {
            this.deadline = deadline;
        }

        /** Two equations as equations first ({@code 2x + 4y = 3} and {@code y = ...}), then by the values they state. */
        boolean equal(Expr a, Expr b) {
            deadline.check();
            if (a instanceof Relation x && b instanceof Relation y && sameRelation(x, y)) {
                return true;
            }
            Expr sa = stated(a);
            Expr sb = stated(b);
            if (sa instanceof Relation x && sb instanceof Relation y) {
                return sameRelation(x, y);
            }
            return equalStated(sa, sb);
        }

        private boolean equalStated(Expr a, Expr b) {
            if (a instanceof Text || b instanceof Text) {
                return words(a) != null && words(a).equals(words(b));
            }
            if (isSetLike(a) || isSetLike(b)) {
                return sameElements(elements(a), elements(b));
            }
            if (a instanceof Bracketed x && b instanceof Relation r) {
                return equal(x, interval(r));
            }
            if (a instanceof Relation r && b instanceof Bracketed x) {
                return equal(interval(r), x);
            }
            if (a instanceof Bracketed x && b instanceof Bracketed y) {
                return x.open() == y.open() && x.close() == y.close() && pairwise(x.elements(), y.elements());
            }
            if (a instanceof Union x && b instanceof Union y) {
                return sameElements(x.parts(), y.parts());
            }
            if (a instanceof Matrix x && b instanceof Matrix y) {
                if (x.rows().size() != y.rows().size()) {
                    return false;
                }
                for (int k = 0; k < x.rows().size(); k++) {
                    if (!pairwise(x.rows().get(k), y.rows().get(k))) {
                        return false;
                    }
                }
                return true;
            }
            if (isScalar(a) && isScalar(b)) {
                return sameValue(a, b);
            }
            return false;
        }

        /** Same operators and sides; for one relation also swapped sides (= and !=) or proportional differences. */
        private boolean sameRelation(Relation x, Relation y) {
            if (!x.operators().equals(y.operators())) {
                return false;
            }
            if (pairwise(x.sides(), y.sides())) {
                return true;
            }
            if (x.operators().size() != 1) {
                return false;
            }
            String op = x.operators().get(0);
            boolean symmetric = op.equals("=") || op.equals("!=");
            if (symmetric && pairwise(x.sides(), List.of(y.sides().get(1), y.sides().get(0)))) {
                return true;
            }
            return proportional(difference(x), difference(y), !symmetric);
        }

        private String words(Expr e) {
            if (e instanceof Text t) {
                return t.words();
            }
            return e instanceof Var v ? v.name().toLowerCase(Locale.ROOT) : null;
        }

        private boolean isSetLike(Expr e) {
            return e instanceof Bracketed b && b.isSet() || e instanceof PlusMinus || containsPlusMinus(e);
        }

        private boolean containsPlusMinus(Expr e) {
            return e instanceof PlusMinus || children(e).stream().anyMatch(this::containsPlusMinus);
        }

        /** The elements of a set, of a bare list, or the values of a {@code \pm} expression. */
        private List<Expr> children(Expr e) {
            if (e instanceof Sum s) {
                return s.terms();
            }
            if (e instanceof Product p) {
                return p.factors();
            }
            if (e instanceof Power p) {
                return List.of(p.base(), p.exponent());
            }
            if (e instanceof Call c) {
                return List.of(c.argument());
            }
            if (e instanceof Factorial f) {
                return List.of(f.argument());
            }
            if (e instanceof PlusMinus pm) {
                return List.of(pm.left(), pm.right());
            }
            return List.of();
        }

        private List<Expr> elements(Expr e) {
            List<Expr> out = new ArrayList<>();
            if (e instanceof Bracketed b && b.isSet()) {
                for (Expr x : b.elements()) {
                    out.addAll(alternatives(x));
                }
            } else {
                out.addAll(alternatives(e));
            }
            return out;
        }

        /** Every element of each has an equal in the other (sets: order and repetition do not matter). */
        private boolean sameElements(List<Expr> xs, List<Expr> ys) {
            if (xs.isEmpty() || ys.isEmpty()) {
                return xs.isEmpty() && ys.isEmpty();
            }
            return covers(xs, ys) && covers(ys, xs);
        }

        private boolean covers(List<Expr> xs, List<Expr> ys) {
            for (Expr x : xs) {
                boolean found = false;
                for (Expr y : ys) {
                    if (equal(x, y)) {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    return false;
                }
            }
            return true;
        }

        private boolean pairwise(List<Expr> xs, List<Expr> ys) {
            if (xs.size() != ys.size()) {
                return false;
            }
            for (int k = 0; k < xs.size(); k++) {
                if (!equal(xs.get(k), ys.get(k))) {
                    return false;
                }
            }
            return true;
        }

        /** {@code x < 3} as the interval (-infinity, 3), {@code x >= 1} as [1, infinity). */
        private Expr interval(Relation r) {
            if (r.sides().size() != 2 || !isName(r.sides().get(0))) {
                return r;
            }
            Expr bound = r.sides().get(1);
            Num inf = new Num(Double.POSITIVE_INFINITY);
            Num negInf = new Num(Double.NEGATIVE_INFINITY);
            return switch (r.operators().get(0)) {
                case "<" -> new Bracketed('(', List.of(negInf, bound), ')');
                case "<=" -> new Bracketed('(', List.of(negInf, bound), ']');
                case ">" -> new Bracketed('(', List.of(bound, inf), ')');
                case ">=" -> new Bracketed('[', List.of(bound, inf), ')');
                default -> r;
            };
        }

        private boolean isScalar(Expr e) {
            return e instanceof Num || e instanceof Var || e instanceof Sum || e instanceof Product
                    || e instanceof Power || e instanceof Call || e instanceof Factorial;
        }

        /** The expressions {@code e} stands for once each {@code \pm} is resolved both ways. */
        private List<Expr> alternatives(Expr e) {
            deadline.check();
            if (e instanceof PlusMinus pm) {
                List<Expr> out = new ArrayList<>();
                for (Expr l : alternatives(pm.left())) {
                    for (Expr r : alternatives(pm.right())) {
                        deadline.check();
                        Expr plus = new Sum(List.of(l, r));
                        Expr minus = new Sum(List.of(l, new Product(List.of(new Num(-1), r))));
                        out.add(pm.minusFirst() ? minus : plus);
                        out.add(pm.minusFirst() ? plus : minus);
                    }
                }
                return out;
            }
            if (e instanceof Sum s) {
                return combinations(s.terms()).stream().map(t -> (Expr) new Sum(t)).toList();
            }
            if (e instanceof Product p) {
                return combinations(p.factors()).stream().map(f -> (Expr) new Product(f)).toList();
            }
            if (e instanceof Power p) {
                return combinations(List.of(p.base(), p.exponent())).stream()
                        .map(bx -> (Expr) new Power(bx.get(0), bx.get(1))).toList();
            }
            if (e instanceof Call c) {
                return alternatives(c.argument()).stream().map(a -> (Expr) new Call(c.function(), a)).toList();
            }
            return List.of(e);
        }

        private List<List<Expr>> combinations(List<Expr> parts) {
            List<List<Expr>> acc = new ArrayList<>();
            acc.add(List.of());
            for (Expr part : parts) {
                List<Expr> alts = alternatives(part);
                List<List<Expr>> next = new ArrayList<>();
                for (List<Expr> prefix : acc) {
                    for (Expr alt : alts) {
                        deadline.check();
                        List<Expr> l = new ArrayList<>(prefix);
                        l.add(alt);
                        next.add(l);
                    }
                }
                acc = next;
            }
            return acc;
        }

        private Expr difference(Relation r) {
            return new Sum(List.of(r.sides().get(0), new Product(List.of(new Num(-1), r.sides().get(1)))));
        }

        /**
         * Whether {@code a = c b} for one constant c (positive when {@code positive}): {@code 2x + 4y - 3 = 0} is
         * {@code y = -x/2 + 3/4} (both sides moved to the left), {@code -x > -1} is {@code x < 1}.
         */
        private boolean proportional(Expr a, Expr b, boolean positive) {
            Set<String> na = names(b, names(a, new TreeSet<>()));
            if (na.isEmpty()) {
                return false;
            }
            Complex ratio = null;
            for (int p = 0; p < POINTS; p++) {
                Evaluator ev = new Evaluator(point(na, p), deadline);
                Complex x = ev.value(a);
                Complex y = ev.value(b);
                if (!x.isFinite() || !y.isFinite() || y.abs() == 0 || x.abs() == 0) {
                    return false;
                }
                Complex r = x.div(y);
                if (ratio == null) {
                    ratio = r;
                    if (positive && !(r.isReal() && r.re() > 0)) {
                        return false;
                    }
                } else if (!close(ratio, r, false)) {
                    return false;
                }
            }
            return true;
        }

        private Map<String, Complex> point(Set<String> names, int p) {
            Map<String, Complex> point = new TreeMap<>();
            for (String name : names) {
                point.put(name, Complex.real(0.5 + 1.5 * new Random(1_000_003L * (p + 1) + name.hashCode()).nextDouble()));
            }
            return point;
        }

        /** The same value at each of the points (see the class comment). */
        private boolean sameValue(Expr a, Expr b) {
            Set<String> na = names(b, names(a, new TreeSet<>())); // a name may cancel: sin^2 x + cos^2 x = 1
            int points = na.isEmpty() ? 1 : POINTS;
            int compared = 0;
            for (int p = 0; p < points; p++) {
                Evaluator ev = new Evaluator(point(na, p), deadline);
                Complex x = ev.value(a);
                Complex y = ev.value(b);
                boolean xBad = Double.isNaN(x.re()) || Double.isNaN(x.im());
                boolean yBad = Double.isNaN(y.re()) || Double.isNaN(y.im());
                if (xBad || yBad) {
                    if (xBad != yBad) {
                        return false;
                    }
                    continue;
                }
                if (!close(x, y, na.isEmpty())) {
                    return false;
                }
                compared++;
            }
            return compared > 0;
        }

        private boolean close(Complex x, Complex y, boolean constant) {
            if (!x.isFinite() || !y.isFinite()) {
                return x.equals(y);
            }
            if (constant && x.isReal() && y.isReal() && isInteger(x.re()) && isInteger(y.re())) {
                return x.re() == y.re(); // 1000001 is not 1000000, whatever the tolerance
            }
            double scale = Math.max(x.abs(), y.abs());
            return x.minus(y).abs() <= Math.max(absTol, relTol * scale);
        }

        private static boolean isInteger(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15;
        }

        private Set<String> names(Expr e, Set<String> acc) {
            if (e instanceof Var v && !CONSTANTS.contains(v.name())) {
                acc.add(v.name());
            }
            for (Expr c : children(e)) {
                names(c, acc);
            }
            return acc;
        }
    }
}
