package dev.thinktune.reward;

import dev.thinktune.data.Example;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Normal forms and tolerances beyond the table. */
class MathEquivalenceTest {

    @Test
    void normalFormsFollowTheMathBenchmark() {
        assertEquals("\\frac{1}{2}", MathEquivalence.normalize("\\frac12"));
        assertEquals("\\frac{1}{72}", MathEquivalence.normalize("\\dfrac1{72}"));
        assertEquals("\\frac{1}{2}", MathEquivalence.normalize("1/2"));
        assertEquals("(1,2)", MathEquivalence.normalize("\\left( 1, 2 \\right)"));
        assertEquals("0.5", MathEquivalence.normalize(".5"));
        assertEquals("\\sqrt{3}", MathEquivalence.normalize("\\sqrt3"));
        assertEquals("10", MathEquivalence.normalize("10\\text{ inches}"));
        assertEquals("5", MathEquivalence.normalize("x = 5"));
        assertEquals("1000", MathEquivalence.normalize("$1,000$."));
    }

    @Test
    void toleranceIsConfigurable() {
        MathEquivalence loose = new MathEquivalence(1e-2, 1e-9);
        assertTrue(loose.equivalent("3.01", "3"));
        assertFalse(MathEquivalence.DEFAULT.equivalent("3.01", "3"));
        assertFalse(loose.equivalent("4", "3"));
        assertTrue(new MathEquivalence(0, 0.1).equivalent("0.05", "0"), "absolute floor");
        assertThrows(IllegalArgumentException.class, () -> new MathEquivalence(-1, 0));
    }

    @Test
    void emptyAndNullNeverMatch() {
        assertFalse(MathEquivalence.DEFAULT.equivalent("", ""));
        assertFalse(MathEquivalence.DEFAULT.equivalent(null, "1"));
        assertFalse(MathEquivalence.DEFAULT.equivalent("{}", "{}"));
    }

    @Test
    void malformedLatexDoesNotThrow() {
        for (String s : List.of("\\boxed{{{{", "\\frac{", "\\frac", "}}}", "\\sqrt", "{1,2", "\\text{", "$", "=")) {
            MathEquivalence.normalize(s);
            MathEquivalence.DEFAULT.equivalent(s, "1");
            AnswerExtractor.LENIENT.extractMath(s);
        }
        assertEquals(Optional.empty(), AnswerExtractor.lastBoxed("\\boxed{\\frac{1}{2}"));
        assertEquals(Optional.of("\\frac{1}{2}"), AnswerExtractor.lastBoxed("\\boxed{\\frac{1}{2}}"));
        assertEquals(Optional.of("a\\}b"), AnswerExtractor.lastBoxed("\\boxed{a\\}b}"), "escaped brace");
    }

    @Test
    void verifierDispatchesOnAnswerType() {
        Verifier v = Verifier.lenient();
        Example choice = new Example("c", "?", "B", "", List.of(new Example.Choice("A", "red"),
                new Example.Choice("B", "blue")), Example.AnswerType.CHOICE);
        assertEquals(new Verification(Optional.of("B"), true), v.verify(choice, "It is blue, so \\boxed{blue}."));
        Example number = new Example("n", "?", "2", "", List.of(), Example.AnswerType.NUMBER);
        assertEquals(new Verification(Optional.of("B"), false),
                new Verification(Optional.of("B"), v.verify(number, "\\boxed{B}").correct()));
        assertThrows(IllegalArgumentException.class, () -> new Verification(Optional.empty(), true));
    }
}
