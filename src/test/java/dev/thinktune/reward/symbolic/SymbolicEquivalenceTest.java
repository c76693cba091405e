package dev.thinktune.reward.symbolic;

import dev.thinktune.reward.MathEquivalence;
import dev.thinktune.reward.symbolic.SymbolicEquivalence.Verdict;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The symbolic path on its own: verdicts, which path decides, and the time limit. */
class SymbolicEquivalenceTest {

    private static final SymbolicEquivalence SYMBOLIC = new SymbolicEquivalence(1e-6, 1e-9, 1000);

    /** {@code 1 \pm 2 \pm 3 ... \pm n}: 2^(n-1) values, so resolving the signs doubles the work with each term. */
    private static String plusMinusChain(int n) {
        StringBuilder sb = new StringBuilder("1");
        for (int k = 2; k <= n; k++) {
            sb.append(" \\pm ").append(k);
        }
        return sb.toString();
    }

    @Test
    void anExplodingAnswerIsNotEqualWithinTheLimit() {
        SymbolicEquivalence limited = new SymbolicEquivalence(1e-6, 1e-9, 200);
        String bomb = plusMinusChain(40); // 2^39 values
        long t0 = System.nanoTime();
        assertEquals(Verdict.TIME_LIMIT, limited.compare(bomb, "1"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, "a 200 ms limit took " + ms + " ms");

        MathEquivalence eq = new MathEquivalence(1e-6, 1e-9, 200);
        t0 = System.nanoTime();
        MathEquivalence.Comparison c = eq.compare(bomb, bomb + " \\pm 41");
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(c.equal());
        assertEquals(Verdict.TIME_LIMIT, c.verdict());
        assertTrue(ms < 2000, "a 200 ms limit took " + ms + " ms");
    }

    @Test
    void theSameChainShortEnoughIsCompared() {
        // 1 ± 2 ± 3 is {6, 2, 0, -4} (signs resolved independently)
        assertEquals(Verdict.EQUAL, SYMBOLIC.compare(plusMinusChain(3), "\\{6, 2, 0, -4\\}"));
        assertEquals(Verdict.DIFFERENT, SYMBOLIC.compare(plusMinusChain(3), "\\{6, 2, 0\\}"));
    }

    @Test
    void stringAndNumberPathsComeFirst() {
        MathEquivalence eq = MathEquivalence.DEFAULT;
        assertEquals(MathEquivalence.Path.STRING, eq.compare("\\frac{1}{2}", "\\dfrac12").path());
        assertEquals(MathEquivalence.Path.NUMBER, eq.compare("0.5", "\\frac{1}{2}").path());
        assertEquals(MathEquivalence.Path.NUMBER, eq.compare("3", "4").path());
        MathEquivalence.Comparison c = eq.compare("2\\sqrt{2}", "\\sqrt{8}");
        assertEquals(MathEquivalence.Path.SYMBOLIC, c.path());
        assertEquals(Verdict.EQUAL, c.verdict());
    }

    @Test
    void unreadableAnswersAreNotEqual() {
        assertEquals(Verdict.UNREADABLE, SYMBOLIC.compare("\\sum_{k=1}^{n} k", "\\sum_{k=1}^{n} k"));
        assertEquals(Verdict.UNREADABLE, SYMBOLIC.compare("\\frac{1}{", "1"));
        assertEquals(Verdict.UNREADABLE, SYMBOLIC.compare("(".repeat(100_000) + "1", "1"), "deep nesting");
        assertTrue(MathEquivalence.DEFAULT.equivalent("\\sum_{k=1}^{n} k", "\\sum_{k=1}^{n} k"), "same string");
    }

    @Test
    void polynomialAndTrigonometricIdentitiesHold() {
        assertEquals(Verdict.EQUAL, SYMBOLIC.compare("(a+b)^3", "a^3 + 3a^2b + 3ab^2 + b^3"));
        assertEquals(Verdict.DIFFERENT, SYMBOLIC.compare("(a+b)^3", "a^3 + 3a^2b + 3ab^2 + 2b^3"));
        assertEquals(Verdict.EQUAL, SYMBOLIC.compare("\\sin^2 x + \\cos^2 x", "1"));
        assertEquals(Verdict.EQUAL, SYMBOLIC.compare("\\frac{x^2-1}{x-1}", "x+1"));
        assertEquals(Verdict.EQUAL, SYMBOLIC.compare("e^{i\\pi}", "-1"));
        assertEquals(Verdict.DIFFERENT, SYMBOLIC.compare("x", "y"), "different names");
    }

    @Test
    void integersAreComparedExactly() {
        assertEquals(Verdict.DIFFERENT, SYMBOLIC.compare("10^{6} + 1", "1000000"));
        assertEquals(Verdict.EQUAL, SYMBOLIC.compare("10^{6} + 1", "1000001"));
    }

    @Test
    void theLimitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SymbolicEquivalence(1e-6, 1e-9, 0));
        assertThrows(IllegalArgumentException.class, () -> new MathEquivalence(1e-6, 1e-9, -1));
    }
}
