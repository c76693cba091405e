package dev.thinktune.reward.symbolic;

import dev.thinktune.reward.symbolic.Expr.Call;
import dev.thinktune.reward.symbolic.Expr.Factorial;
import dev.thinktune.reward.symbolic.Expr.Num;
import dev.thinktune.reward.symbolic.Expr.Power;
import dev.thinktune.reward.symbolic.Expr.Product;
import dev.thinktune.reward.symbolic.Expr.Sum;
import dev.thinktune.reward.symbolic.Expr.Var;

import java.util.Map;

/**
 * The value of a scalar expression at one point: each free name has a value in {@code point}; {@code pi},
 * {@code e} and {@code i} are the constants. Structures (tuples, sets, relations) have no value here:
 * {@link IllegalArgumentException}.
 */
final class Evaluator {

    private final Map<String, Complex> point;
    private final Deadline deadline;

    Evaluator(Map<String, Complex> point, Deadline deadline) {
        this.point = point;
        this.deadline = deadline;
    }

    Complex value(Expr e) {
        deadline.check();
        if (e instanceof Num n) {
            return Complex.real(n.value());
        }
        if (e instanceof Var v) {
            return variable(v.name());
        }
        if (e instanceof Sum s) {
            Complex acc = Complex.ZERO;
            for (Expr t : s.terms()) {
                acc = acc.plus(value(t));
            }
            return acc;
        }
        if (e instanceof Product p) {
            Complex acc = Complex.ONE;
            for (Expr f : p.factors()) {
                acc = acc.times(value(f));
            }
            return acc;
        }
        if (e instanceof Power p) {
            Complex base = value(p.base());
            Complex exponent = value(p.exponent());
            if (base.abs() == 0 && exponent.re() < 0) {
                return new Complex(Double.NaN, Double.NaN); // 1/0 has no value
            }
            return base.pow(exponent);
        }
        if (e instanceof Call c) {
            return call(c.function(), value(c.argument()));
        }
        if (e instanceof Factorial f) {
            return factorial(value(f.argument()));
        }
        throw new IllegalArgumentException("not a scalar: " + e.getClass().getSimpleName());
    }

    private Complex variable(String name) {
        return switch (name) {
            case "pi" -> Complex.real(Math.PI);
            case "e" -> Complex.real(Math.E);
            case "i" -> Complex.I;
            default -> {
                Complex v = point.get(name);
                if (v == null) {
                    throw new IllegalArgumentException("no value for " + name);
                }
                yield v;
            }
        };
    }

    private static Complex call(String f, Complex x) {
        return switch (f) {
            case "sqrt" -> x.sqrt();
            case "abs" -> Complex.real(x.abs());
            case "sin" -> x.sin();
            case "cos" -> x.cos();
            case "tan" -> x.sin().div(x.cos());
            case "sec" -> Complex.ONE.div(x.cos());
            case "csc" -> Complex.ONE.div(x.sin());
            case "cot" -> x.cos().div(x.sin());
            case "ln", "log" -> x.log();
            case "exp" -> x.exp();
            default -> real(f, x);
        };
    }

    /** The functions evaluated on real arguments only (a complex argument gives NaN). */
    private static Complex real(String f, Complex x) {
        if (!x.isReal()) {
            return new Complex(Double.NaN, Double.NaN);
        }
        double r = x.re();
        return Complex.real(switch (f) {
            case "arcsin" -> Math.asin(r);
            case "arccos" -> Math.acos(r);
            case "arctan" -> Math.atan(r);
            case "sinh" -> Math.sinh(r);
            case "cosh" -> Math.cosh(r);
            case "tanh" -> Math.tanh(r);
            default -> throw new IllegalArgumentException("unknown function " + f);
        });
    }

    /** n! for a non-negative integer n (infinite above 170, as doubles are); NaN otherwise. */
    private static Complex factorial(Complex x) {
        if (!x.isReal() || x.re() < 0 || x.re() != Math.rint(x.re())) {
            return new Complex(Double.NaN, Double.NaN);
        }
        if (x.re() > 170) {
            return Complex.real(Double.POSITIVE_INFINITY);
        }
        double acc = 1;
        for (int k = 2; k <= (int) x.re(); k++) {
            acc *= k;
        }
        return Complex.real(acc);
    }
}
