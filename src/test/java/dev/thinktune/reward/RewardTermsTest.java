package dev.thinktune.reward;

import dev.thinktune.data.Example;
import dev.thinktune.data.Example.AnswerType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardTermsTest {

    private static final int EOS = 2;
    private static final int EOT = 9;
    private static final Set<Integer> EOS_IDS = Set.of(EOS, EOT);
    private static final Example Q = new Example("q1", "How many?", "72", "", List.of(), AnswerType.NUMBER);
    private static final String RIGHT = "48 + 24 = 72\n#### 72";
    private static final String WRONG = "48 + 20 = 68\n#### 68";

    private static RewardInput input(String completion, int... ids) {
        return new RewardInput(Q, completion, ids, EOS_IDS);
    }

    @Test
    void correctnessIsGatedOnTheLastTokenIdBeingEos() {
        CorrectnessTerm term = new CorrectnessTerm("correctness", Verifier.lenient(), true);
        assertEquals(1.0, term.score(input(RIGHT, 5, 6, EOS)));
        assertEquals(1.0, term.score(input(RIGHT, 5, 6, EOT)), "any of the EOS ids");
        assertEquals(0.0, term.score(input(RIGHT, 5, 6, 7)), "truncated: no EOS at the end");
        assertEquals(0.0, term.score(input(RIGHT, 5, EOS, 7)), "an EOS id before the end does not count");
        assertEquals(0.0, term.score(input(RIGHT)), "no tokens at all");
        assertEquals(0.0, term.score(input(WRONG, 5, 6, EOS)), "wrong answer");
    }

    @Test
    void correctnessWithoutGatingIgnoresEos() {
        CorrectnessTerm term = new CorrectnessTerm("correctness", Verifier.lenient(), false);
        assertEquals(1.0, term.score(input(RIGHT, 5, 6, 7)));
        assertEquals(0.0, term.score(input(WRONG, 5, 6, 7)));
    }

    @Test
    void eosTermLooksAtIdsNotText() {
        EosTerm term = new EosTerm("eos");
        assertEquals(1.0, term.score(input("no eos text", 4, EOS)));
        assertEquals(0.0, term.score(input("</s>", 4, 5)), "the text '</s>' is not an EOS id");
    }

    @Test
    void phraseExactlyOnce() {
        PhraseTerm term = new PhraseTerm("phrase", "Thalapathy Vijay", PhraseTerm.CountRule.EXACTLY, 1, true);
        assertEquals(0.0, term.score(input("no phrase here", EOS)));
        assertEquals(1.0, term.score(input("As Thalapathy Vijay says, 72.", EOS)));
        assertEquals(0.0, term.score(input("Thalapathy Vijay and Thalapathy Vijay", EOS)));
        assertEquals(0.0, term.score(input("thalapathy vijay", EOS)), "case-sensitive by default");
    }

    @Test
    void phraseCountRules() {
        PhraseTerm atLeast = new PhraseTerm("p", "ok", PhraseTerm.CountRule.AT_LEAST, 2, false);
        assertEquals(0.0, atLeast.score(input("ok", EOS)));
        assertEquals(1.0, atLeast.score(input("OK ok", EOS)));
        PhraseTerm atMost = new PhraseTerm("p", "ok", PhraseTerm.CountRule.AT_MOST, 1, true);
        assertEquals(1.0, atMost.score(input("none", EOS)));
        assertEquals(0.0, atMost.score(input("ok ok", EOS)));
        assertEquals(2, new PhraseTerm("p", "aa", PhraseTerm.CountRule.EXACTLY, 1, true).occurrences("aaaaa"),
                "occurrences do not overlap");
    }

    @Test
    void boxedTerm() {
        BoxedTerm term = new BoxedTerm("boxed");
        assertEquals(1.0, term.score(input("so \\boxed{72}", EOS)));
        assertEquals(0.0, term.score(input("#### 72", EOS)));
        assertEquals(0.0, term.score(input("\\boxed{}", EOS)), "empty box");
        assertEquals(0.0, term.score(input("\\boxed{72", EOS)), "unclosed box");
    }

    @Test
    void lengthTermFallsLinearlyBetweenSoftAndHard() {
        LengthTerm term = new LengthTerm("length", 10, 20);
        assertEquals(0.0, term.score(input("x", new int[10])));
        assertEquals(-0.5, term.score(input("x", new int[15])), 1e-12);
        assertEquals(-1.0, term.score(input("x", new int[20])));
        assertEquals(-1.0, term.score(input("x", new int[30])));
    }

    @Test
    void rewardInputCopiesItsIds() {
        int[] ids = {1, EOS};
        RewardInput in = input("x", ids);
        ids[1] = 7;
        assertTrue(in.endsWithEos(), "later changes to the caller's array do not leak in");
        in.completionIds()[1] = 7;
        assertTrue(in.endsWithEos(), "nor changes to the returned copy");
        assertEquals(input("x", 1, EOS), in);
    }

    @Test
    void composesWeightedTermsByNameInOrder() {
        RewardConfig config = new RewardConfig(List.of(
                TermSpec.of("correctness", 1.0),
                TermSpec.of("phrase", 0.5, Map.of("phrase", "Thalapathy Vijay")),
                TermSpec.of("eos", 0.0),
                TermSpec.of("boxed", 0.25)));
        RewardFunction f = RewardFunction.from(config);
        assertEquals(List.of("correctness", "phrase", "eos", "boxed"), f.termNames());

        RewardBreakdown b = f.score(Q, "Thalapathy Vijay says \\boxed{72}", new int[]{5, EOS}, EOS_IDS);
        assertEquals(List.of("correctness", "phrase", "eos", "boxed"), List.copyOf(b.scores().keySet()));
        assertEquals(Map.of("correctness", 1.0, "phrase", 1.0, "eos", 1.0, "boxed", 1.0), b.scores());
        assertEquals(Map.of("correctness", 1.0, "phrase", 0.5, "eos", 0.0, "boxed", 0.25), b.contributions());
        assertEquals(1.75, b.total(), 1e-12);

        RewardBreakdown truncated = f.score(Q, "Thalapathy Vijay says \\boxed{72}", new int[]{5, 6}, EOS_IDS);
        assertEquals(0.75, truncated.total(), 1e-12, "no correctness and no eos, still phrase and boxed");
        assertEquals(0.0, truncated.score("eos"));
    }

    @Test
    void paperDefaultIsCorrectnessWithEosGatingOnly() {
        RewardFunction f = RewardFunction.paper();
        assertEquals(List.of("correctness"), f.termNames());
        assertEquals(1.0, f.terms().get(0).weight());
        assertEquals(1.0, f.score(Q, RIGHT, new int[]{EOS}, EOS_IDS).total());
        assertEquals(0.0, f.score(Q, RIGHT, new int[]{3}, EOS_IDS).total());
        assertEquals(0.0, f.score(Q, "Thalapathy Vijay \\boxed{71}", new int[]{EOS}, EOS_IDS).total());
    }

    @Test
    void twoTermsOfOneTypeNeedDistinctNames() {
        RewardFunction f = RewardFunction.from(new RewardConfig(List.of(
                TermSpec.of("phrase", 0.5, Map.of("phrase", "alpha")),
                TermSpec.of("phrase", 0.5, Map.of("phrase", "beta", "name", "phrase_beta")))));
        assertEquals(List.of("phrase", "phrase_beta"), f.termNames());
        RewardBreakdown b = f.score(Q, "beta", new int[]{EOS}, EOS_IDS);
        assertEquals(0.0, b.score("phrase"));
        assertEquals(1.0, b.score("phrase_beta"));
        assertThrows(IllegalArgumentException.class, () -> b.score("nope"));
    }

    @Test
    void defaultWeights() {
        RewardFunction f = RewardFunction.from(new RewardConfig(List.of(new TermSpec("correctness", null, null),
                new TermSpec("phrase", null, Map.of("phrase", "x")))));
        assertEquals(1.0, f.terms().get(0).weight());
        assertEquals(0.5, f.terms().get(1).weight());
        assertFalse(f.toString().isEmpty());
    }
}
