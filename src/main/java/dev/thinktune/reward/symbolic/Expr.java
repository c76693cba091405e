package dev.thinktune.reward.symbolic;

import java.util.List;

/**
 * A parsed mathematical answer. Scalars ({@link Num}, {@link Var}, {@link Sum}, {@link Product}, {@link Power},
 * {@link Call}, {@link Factorial}, {@link PlusMinus}) are compared by value; the structures around them
 * ({@link Bracketed} tuples, intervals and sets, {@link Union}, {@link Relation}, {@link Matrix}, {@link Text})
 * element by element.
 */
sealed interface Expr {

    /** A number as written, its value in double precision. */
    record Num(double value) implements Expr {
    }

    /** A named quantity: a letter, a Greek letter, a subscripted name ({@code a_3}), or a constant (pi, e, i). */
    record Var(String name) implements Expr {
    }

    record Sum(List<Expr> terms) implements Expr {
    }

    record Product(List<Expr> factors) implements Expr {
    }

    record Power(Expr base, Expr exponent) implements Expr {
    }

    /** A named function of one argument: sin, cos, tan, sec, csc, cot, their inverses, sinh, cosh, tanh, ln, log, exp, sqrt. */
    record Call(String function, Expr argument) implements Expr {
    }

    record Factorial(Expr argument) implements Expr {
    }

    /** {@code a \pm b}: both {@code a + b} and {@code a - b} ({@code minusFirst} for {@code \mp}). */
    record PlusMinus(Expr left, Expr right, boolean minusFirst) implements Expr {
    }

    /**
     * Elements between brackets: a tuple or interval {@code (a, b]}, a set {@code \{a, b\}} (open '{'), or a bare
     * list {@code a, b} (open and close '\0'), which is read as a set as Math-Verify does.
     */
    record Bracketed(char open, List<Expr> elements, char close) implements Expr {
        boolean isSet() {
            return open == '{' || open == '\0';
        }
    }

    record Union(List<Expr> parts) implements Expr {
    }

    /** A chain of relations {@code a < b <= c}: {@code operators.size() == sides.size() - 1}. */
    record Relation(List<Expr> sides, List<String> operators) implements Expr {
    }

    record Matrix(List<List<Expr>> rows) implements Expr {
    }

    /** Words: {@code \text{Evelyn}}, "Even"; compared case-insensitively. */
    record Text(String words) implements Expr {
    }
}
