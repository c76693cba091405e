package dev.thinktune.rollout;

import dev.thinktune.model.ModelWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A seed fixes a continuation, whatever else is generated alongside: the same tokens and bit-identical
 * log-probs alone, in a batch (which switches the decoder to its row-split path), with another thread count or
 * a small forward size, and as one of n continuations sharing a prefill.
 */
class SeedsTest {
    private static final int[] PROMPT = {1, 17, 33, 101, 7, 9};
    private static ModelWeights weights;
    private static RolloutEngine engine;

    @BeforeAll
    static void setUp() {
        weights = RolloutTesting.fixture("tiny-llama2");
        engine = RolloutEngine.create(weights, RolloutTesting.threads(2));
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    private static SamplingParams params(long seed) {
        return SamplingParams.sampling(10, Set.of(), seed);
    }

    private static Completion alone(RolloutEngine e, long seed) {
        return e.generate(List.of(new GenerationRequest(PROMPT, 1, params(seed)))).get(0).get(0);
    }

    private static void assertSame(Completion a, Completion b) {
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertArrayEquals(a.logprobs(), b.logprobs());
        assertEquals(a.finishReason(), b.finishReason());
    }

    @Test
    void theSameSeedGivesTheSameTokensAndOthersDiffer() {
        Completion a = alone(engine, 42);
        assertSame(a, alone(engine, 42));
        int differing = 0;
        for (long seed = 43; seed < 48; seed++) {
            if (!java.util.Arrays.equals(a.tokenIds(), alone(engine, seed).tokenIds())) {
                differing++;
            }
        }
        assertEquals(5, differing);
    }

    @Test
    void aSeedGivesTheSameContinuationInsideABatch() {
        Completion a = alone(engine, 42);
        List<GenerationRequest> reqs = new ArrayList<>();
        reqs.add(new GenerationRequest(new int[]{1, 5, 9}, 20, SamplingParams.sampling(4, Set.of(), 1)));
        reqs.add(new GenerationRequest(PROMPT, 1, params(42)));
        reqs.add(new GenerationRequest(new int[]{1, 250, 3, 44, 12, 8, 19, 77, 31, 2, 64, 5, 5}, 30,
                SamplingParams.sampling(14, Set.of(2), 2)));
        assertSame(a, engine.generate(reqs).get(1).get(0));
    }

    @Test
    void threadCountAndForwardSizeDoNotChangeTheResult() {
        Completion a = alone(engine, 42);
        try (RolloutEngine one = RolloutEngine.create(weights, RolloutTesting.threads(1));
             RolloutEngine small = RolloutEngine.create(weights, RolloutTesting.threads(3).withMaxBatchTokens(4))) {
            assertSame(a, alone(one, 42));
            assertSame(a, alone(small, 42));
            // with many continuations: chunks of 4 rows in prefill and decode
            List<GenerationRequest> reqs = List.of(new GenerationRequest(PROMPT, 9, params(5)),
                    new GenerationRequest(new int[]{1, 5, 9}, 3, params(6)));
            List<List<Completion>> x = engine.generate(reqs);
            List<List<Completion>> y = small.generate(reqs);
            for (int r = 0; r < reqs.size(); r++) {
                for (int s = 0; s < reqs.get(r).n(); s++) {
                    assertSame(x.get(r).get(s), y.get(r).get(s));
                }
            }
        }
    }

    @Test
    void theParallelPathsGiveTheSameBitsAsOneThread() {
        List<GenerationRequest> reqs = List.of(new GenerationRequest(PROMPT, 9, params(5)),
                new GenerationRequest(new int[]{1, 5, 9}, 3, params(6)),
                new GenerationRequest(new int[]{1, 250, 3, 44, 12, 8, 19, 77, 31, 2, 64, 5, 5}, 2, params(7)));
        try (RolloutEngine one = RolloutEngine.create(weights, RolloutTesting.threads(1));
             RolloutEngine columns = RolloutEngine.create(weights, RolloutTesting.threads(2));
             RolloutEngine rows = RolloutEngine.create(weights, RolloutTesting.threads(3))) {
            // the test model is small enough for one thread to run it alone: make the teams share every phase
            for (RolloutEngine e : List.of(columns, rows)) {
                e.decoder().parallelMinFlops = 0;
                e.decoder().parallelMinBytes = 0;
            }
            columns.decoder().rowSplitMin = Integer.MAX_VALUE; // operations split by column panels, barriers
            rows.decoder().rowSplitMin = 2;                    // decode steps split by rows
            List<List<Completion>> want = one.generate(reqs);
            for (RolloutEngine e : List.of(columns, rows)) {
                List<List<Completion>> got = e.generate(reqs);
                for (int r = 0; r < reqs.size(); r++) {
                    for (int s = 0; s < reqs.get(r).n(); s++) {
                        assertSame(want.get(r).get(s), got.get(r).get(s));
                    }
                }
                List<int[]> seqs = List.of(RolloutTesting.concat(PROMPT, want.get(0).get(0).tokenIds()),
                        new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
                List<float[]> a = one.logprobs(seqs), b = e.logprobs(seqs);
                for (int i = 0; i < seqs.size(); i++) {
                    assertArrayEquals(a.get(i), b.get(i));
                }
            }
        }
    }

    @Test
    void nContinuationsSharingAPrefillEqualSeparateRequestsWithTheirSeeds() {
        GenerationRequest shared = new GenerationRequest(PROMPT, 5, params(77));
        List<Completion> together = engine.generate(List.of(shared)).get(0);
        List<GenerationRequest> separate = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            separate.add(new GenerationRequest(PROMPT, 1, params(shared.sampleSeed(i))));
        }
        List<List<Completion>> apart = engine.generate(separate);
        for (int i = 0; i < 5; i++) {
            assertSame(together.get(i), apart.get(i).get(0));
        }
        assertFalse(java.util.Arrays.equals(together.get(0).tokenIds(), together.get(1).tokenIds()));
        assertEquals(77L, shared.sampleSeed(0));
    }
}
