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
import java.util.List;
import java.util.Set;

/**
 * Parses the LaTeX (or plain text) of one final answer into an {@link Expr}: numbers, letters and Greek letters,
 * {@code + - \pm \cdot \times / \div ^ _ !}, implicit products ({@code 2\sqrt{2}}, {@code \frac{1}{2}\sqrt3}),
 * {@code \frac}, {@code \sqrt[n]{}}, trigonometric and logarithmic functions ({@code \sin^2 x}), {@code |x|},
 * tuples and intervals, sets {@code \{\}}, unions {@code \cup}, relation chains ({@code = < \le \ne \approx \in}),
 * matrices ({@code pmatrix}, {@code bmatrix}) and words ({@code \text{Evelyn}}, units, "and"/"or" between list
 * items). Sums, integrals and limits are not read: {@link #parse} throws {@link IllegalArgumentException}.
 */
final class LatexParser {

    static final Set<String> FUNCTIONS = Set.of("sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos",
            "arctan", "sinh", "cosh", "tanh", "ln", "log", "exp");
    private static final Set<String> GREEK = Set.of("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon",
            "zeta", "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma",
            "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
            "Pi", "Sigma", "Phi", "Psi", "Omega");
    private static final Set<String> SEPARATOR_WORDS = Set.of("and", "or");

    private final List<String> tokens;
    private final Deadline deadline;
    private int pos;
    private int absDepth;

    private LatexParser(List<String> tokens, Deadline deadline) {
        this.tokens = tokens;
        this.deadline = deadline;
    }

    /** The answer {@code latex} states; {@link IllegalArgumentException} when it cannot be read. */
    static Expr parse(String latex, Deadline deadline) {
        LatexParser p = new LatexParser(LatexTokens.of(latex, deadline), deadline);
        List<Expr> items = p.list();
        if (p.pos < p.tokens.size()) {
            throw new IllegalArgumentException("unexpected '" + p.tokens.get(p.pos) + "'");
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("empty answer");
        }
        return items.size() == 1 ? items.get(0) : new Bracketed('\0', items, '\0');
    }

    private String peek() {
        return pos < tokens.size() ? tokens.get(pos) : "";
    }

    private boolean accept(String t) {
        if (peek().equals(t)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(String t) {
        if (!accept(t)) {
            throw new IllegalArgumentException("expected '" + t + "' at '" + peek() + "'");
        }
    }

    /** Items separated by commas, semicolons or the words "and" / "or"; empty items are skipped. */
    private List<Expr> list() {
        List<Expr> items = new ArrayList<>();
        while (true) {
            while (isSeparator(peek())) {
                pos++;
            }
            if (endsList(peek())) {
                return items;
            }
            items.add(relation());
            if (!isSeparator(peek())) {
                return items;
            }
        }
    }

    private static boolean isSeparator(String t) {
        return t.equals(",") || t.equals(";") || t.startsWith("w:") && SEPARATOR_WORDS.contains(t.substring(2));
    }

    private static boolean endsList(String t) {
        return t.isEmpty() || t.equals(")") || t.equals("]") || t.equals("}") || t.equals("\\}") || t.equals("&")
                || t.equals("\\\\") || t.equals("\\end");
    }

    private Expr relation() {
        List<Expr> sides = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        sides.add(union());
        while (LatexTokens.RELATIONS.contains(peek())) {
            ops.add(tokens.get(pos++));
            sides.add(union());
        }
        return ops.isEmpty() ? sides.get(0) : new Relation(sides, ops);
    }

    private Expr union() {
        Expr first = sum();
        if (!peek().equals("\\cup")) {
            return first;
        }
        List<Expr> parts = new ArrayList<>(List.of(first));
        while (accept("\\cup")) {
            parts.add(sum());
        }
        return new Union(parts);
    }

    private Expr sum() {
        List<Expr> terms = new ArrayList<>();
        Expr pm = null;
        if (peek().equals("\\pm") || peek().equals("\\mp")) {
            boolean minus = tokens.get(pos++).equals("\\mp");
            pm = new PlusMinus(new Num(0), term(), minus);
        } else {
            terms.add(term());
        }
        while (true) {
            String t = peek();
            if (t.equals("+")) {
                pos++;
                terms.add(term());
            } else if (t.equals("-")) {
                pos++;
                terms.add(negate(term()));
            } else if (t.equals("\\pm") || t.equals("\\mp")) {
                pos++;
                Expr left = pm != null ? plus(pm, terms) : terms.size() == 1 ? terms.get(0) : new Sum(terms);
                pm = new PlusMinus(left, term(), t.equals("\\mp"));
                terms = new ArrayList<>();
            } else {
                break;
            }
        }
        if (pm != null) {
            return plus(pm, terms);
        }
        return terms.size() == 1 ? terms.get(0) : new Sum(terms);
    }

    private static Expr plus(Expr first, List<Expr> rest) {
        if (rest.isEmpty()) {
            return first;
        }
        List<Expr> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return new Sum(all);
    }

    private static Expr negate(Expr e) {
        return e instanceof Num n ? new Num(-n.value()) : new Product(List.of(new Num(-1), e));
    }

    private Expr term() {
        List<Expr> factors = new ArrayList<>();
        factors.add(mixedNumber(unary()));
        while (true) {
            deadline.check();
            String t = peek();
            if (t.equals("*") || t.equals("\\cdot") || t.equals("\\times")) {
                pos++;
                factors.add(unary());
            } else if (t.equals("/") || t.equals("\\div") || t.equals(":")) {
                pos++;
                factors.add(new Power(unary(), new Num(-1)));
            } else if (startsFactor(t)) {
                factors.add(power());
            } else {
                break;
            }
        }
        return factors.size() == 1 ? factors.get(0) : new Product(factors);
    }

    /** {@code 15\frac{39}{40}} is the mixed number 15 + 39/40, as answers write it, not 15 times 39/40. */
    private Expr mixedNumber(Expr whole) {
        if (!(whole instanceof Num n) || n.value() != Math.rint(n.value()) || !peek().equals("\\frac")) {
            return whole;
        }
        int start = pos;
        Expr frac = power();
        if (frac instanceof Product p && p.factors().size() == 2 && p.factors().get(0) instanceof Num num
                && num.value() == Math.rint(num.value()) && p.factors().get(1) instanceof Power pw
                && pw.base() instanceof Num den && den.value() == Math.rint(den.value())) {
            Expr part = n.value() < 0 ? negate(frac) : frac;
            return new Sum(List.of(n, part));
        }
        pos = start;
        return whole;
    }

    private boolean startsFactor(String t) {
        if (t.isEmpty() || isSeparator(t)) {
            return false;
        }
        if (t.equals("|")) {
            return absDepth == 0;
        }
        if (t.startsWith("\\")) {
            return !LatexTokens.RELATIONS.contains(t) && !Set.of("\\cdot", "\\times", "\\div", "\\pm", "\\mp",
                    "\\cup", "\\}", "\\\\", "\\end").contains(t);
        }
        char c = t.charAt(0);
        return Character.isDigit(c) || c == '.' || Character.isLetter(c) || c == '(' || c == '[' || c == '{'
                || t.startsWith("w:");
    }

    private Expr unary() {
        if (accept("-")) {
            return negate(unary());
        }
        if (accept("+")) {
            return unary();
        }
        return power();
    }

    private Expr power() {
        Expr base = postfix();
        if (accept("^")) {
            Expr exponent = peek().equals("-") ? unary() : postfix();
            return new Power(base, exponent);
        }
        return base;
    }

    private Expr postfix() {
        Expr e = primary();
        while (true) {
            if (accept("!")) {
                e = new Factorial(e);
            } else if (peek().equals("_")) {
                pos++;
                String sub = rawGroup();
                e = new Var(name(e) + "_" + sub);
            } else if (accept("'")) {
                e = new Var(name(e) + "'");
            } else {
                return e;
            }
        }
    }

    private static String name(Expr e) {
        if (e instanceof Var v) {
            return v.name();
        }
        if (e instanceof Num n) {
            return n.value() == Math.rint(n.value()) ? Long.toString((long) n.value()) : Double.toString(n.value());
        }
        return e.toString();
    }

    /** The tokens of a braced group (or the one token) after {@code _}, joined: a subscript is part of a name. */
    private String rawGroup() {
        if (!accept("{")) {
            return tokens.get(pos++);
        }
        StringBuilder sb = new StringBuilder();
        int depth = 1;
        while (pos < tokens.size()) {
            String t = tokens.get(pos++);
            if (t.equals("{")) {
                depth++;
            } else if (t.equals("}") && --depth == 0) {
                return sb.toString();
            }
            sb.append(t);
        }
        throw new IllegalArgumentException("unclosed subscript");
    }

    private Expr primary() {
        deadline.check();
        if (pos >= tokens.size()) {
            throw new IllegalArgumentException("unexpected end");
        }
        String t = tokens.get(pos++);
        char c = t.charAt(0);
        if (Character.isDigit(c) || c == '.' && t.length() > 1) {
            return new Num(Double.parseDouble(t));
        }
        if (t.startsWith("w:")) {
            return new Text(t.substring(2));
        }
        if (t.length() == 1 && Character.isLetter(c)) {
            return new Var(t);
        }
        switch (t) {
            case "(", "[" -> {
                List<Expr> items = list();
                String close = tokens.size() > pos ? tokens.get(pos) : "";
                if (!close.equals(")") && !close.equals("]")) {
                    throw new IllegalArgumentException("unclosed " + t);
                }
                pos++;
                if (items.size() == 1 && (t.equals("(") == close.equals(")"))) { // (x) and [x] group
                    return items.get(0);
                }
                if (items.isEmpty()) {
                    throw new IllegalArgumentException("empty brackets");
                }
                return new Bracketed(t.charAt(0), items, close.charAt(0));
            }
            case "{" -> {
                List<Expr> items = list();
                expect("}");
                if (items.size() == 1) {
                    return items.get(0);
                }
                return new Bracketed('{', items, '}');
            }
            case "\\{" -> {
                List<Expr> items = list();
                expect("\\}");
                return new Bracketed('{', items, '}');
            }
            case "|" -> {
                absDepth++;
                Expr inside = sum();
                absDepth--;
                expect("|");
                return new Call("abs", inside);
            }
            case "\\frac" -> {
                Expr num = argument();
                Expr den = argument();
                return new Product(List.of(num, new Power(den, new Num(-1))));
            }
            case "\\sqrt" -> {
                if (accept("[")) {
                    Expr index = sum();
                    expect("]");
                    return new Power(argument(), new Power(index, new Num(-1)));
                }
                return new Call("sqrt", argument());
            }
            case "\\infty" -> {
                return new Num(Double.POSITIVE_INFINITY);
            }
            case "\\emptyset", "\\varnothing" -> {
                return new Bracketed('{', List.of(), '}');
            }
            case "\\begin" -> {
                return matrix();
            }
            default -> {
            }
        }
        if (t.startsWith("\\")) {
            String name = t.substring(1);
            if (FUNCTIONS.contains(name)) {
                return function(name);
            }
            if (GREEK.contains(name)) {
                return new Var(name);
            }
        }
        throw new IllegalArgumentException("cannot read '" + t + "'");
    }

    /** A braced group, else the next single token ({@code \frac12}). */
    private Expr argument() {
        if (accept("{")) {
            List<Expr> items = list();
            expect("}");
            if (items.size() != 1) {
                throw new IllegalArgumentException("an argument is one expression");
            }
            return items.get(0);
        }
        return primary();
    }

    /** {@code \sin x}, {@code \sin(x)}, {@code \sin^2 x}, {@code \log_2 8}: the argument runs to the next function. */
    private Expr function(String name) {
        Expr exponent = null;
        Expr base = null;
        for (int i = 0; i < 2; i++) {
            if (accept("^")) {
                exponent = peek().equals("-") ? unary() : postfix();
            } else if (accept("_")) {
                base = argument();
            }
        }
        Expr arg;
        if (peek().equals("(")) {
            arg = postfix();
        } else {
            List<Expr> factors = new ArrayList<>();
            factors.add(power());
            while (startsFactor(peek()) && !isFunction(peek()) && !peek().equals("(")) {
                factors.add(power());
            }
            arg = factors.size() == 1 ? factors.get(0) : new Product(factors);
        }
        Expr value = new Call(name, arg);
        if (base != null) { // log_b x = ln x / ln b
            value = new Product(List.of(new Call("ln", arg), new Power(new Call("ln", base), new Num(-1))));
        }
        return exponent == null ? value : new Power(value, exponent);
    }

    private static boolean isFunction(String t) {
        return t.startsWith("\\") && FUNCTIONS.contains(t.substring(1));
    }

    private Expr matrix() {
        expect("{");
        while (!accept("}")) {
            pos++; // the environment's name
        }
        if (accept("{")) { // array's column specification
            while (!accept("}")) {
                pos++;
            }
        }
        List<List<Expr>> rows = new ArrayList<>();
        List<Expr> row = new ArrayList<>();
        while (true) {
            deadline.check();
            row.add(relation());
            if (accept("&")) {
                continue;
            }
            rows.add(row);
            row = new ArrayList<>();
            if (accept("\\\\")) {
                if (peek().equals("\\end")) {
                    break;
                }
                continue;
            }
            break;
        }
        expect("\\end");
        expect("{");
        while (!accept("}")) {
            pos++;
        }
        return new Matrix(rows);
    }
}
