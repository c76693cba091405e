package dev.thinktune.rollout;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad prompts and sequences are refused with a message that says what is wrong, before any work. */
class ValidationTest {
    private static RolloutEngine engine;

    @BeforeAll
    static void setUp() {
        // tiny-llama2: vocabulary 320, max_position_embeddings 4096; the engine caps sequences at 64 tokens
        engine = RolloutEngine.create(RolloutTesting.fixture("tiny-llama2"),
                RolloutEngine.Options.defaults().withMaxSequenceLength(64));
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    private static String refused(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void anEmptyPromptIsRefused() {
        String msg = refused(() -> new GenerationRequest(new int[0], 1, SamplingParams.greedy(4, Set.of())));
        assertTrue(msg.contains("empty prompt"), msg);
    }

    @Test
    void aPromptPlusLimitBeyondTheMaximumLengthIsRefused() {
        assertEquals(64, engine.maxSequenceLength());
        String msg = refused(() -> engine.generate(List.of(
                new GenerationRequest(new int[]{1, 2, 3}, 1, SamplingParams.greedy(4, Set.of())),
                new GenerationRequest(new int[60], 1, SamplingParams.greedy(5, Set.of())))));
        assertTrue(msg.contains("request 1") && msg.contains("65") && msg.contains("64"), msg);
        // exactly at the limit is fine
        Completion c = engine.generate(List.of(new GenerationRequest(new int[60], 1,
                SamplingParams.greedy(4, Set.of())))).get(0).get(0);
        assertEquals(4, c.length());
    }

    @Test
    void theModelsContextLengthIsTheDefaultLimit() {
        try (RolloutEngine e = RolloutEngine.create(RolloutTesting.fixture("tiny-llama2"))) {
            assertEquals(4096, e.maxSequenceLength());
            String msg = refused(() -> e.generate(List.of(new GenerationRequest(new int[4000], 1,
                    SamplingParams.greedy(100, Set.of())))));
            assertTrue(msg.contains("4100") && msg.contains("4096"), msg);
        }
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRefused() {
        String msg = refused(() -> engine.generate(List.of(new GenerationRequest(new int[]{1, 320}, 1,
                SamplingParams.greedy(2, Set.of())))));
        assertTrue(msg.contains("320") && msg.contains("vocabulary"), msg);
        msg = refused(() -> engine.generate(List.of(new GenerationRequest(new int[]{-1}, 1,
                SamplingParams.greedy(2, Set.of())))));
        assertTrue(msg.contains("-1"), msg);
        msg = refused(() -> engine.logprobs(List.of(new int[]{1, 2}, new int[]{1, 999})));
        assertTrue(msg.contains("sequence 1") && msg.contains("999"), msg);
    }

    @Test
    void scoringRefusesEmptyAndOverlongSequences() {
        assertTrue(refused(() -> engine.logprobs(List.of(new int[0]))).contains("empty"));
        assertTrue(refused(() -> engine.logprobs(List.of(new int[65]))).contains("65"));
        assertTrue(refused(() -> engine.logprobs(List.of(new int[]{1, 2, 3}), new int[]{0})).contains("firstTarget"));
        assertEquals(0, engine.logprobs(List.of(new int[]{1})).get(0).length);
    }

    @Test
    void anEmptyBatchGivesAnEmptyResult() {
        assertTrue(engine.generate(List.of()).isEmpty());
    }

    @Test
    void theKeyValueCacheIsCountedAndHandedBackAndSamplingDoesNotDependOnIt() {
        try (RolloutEngine e = RolloutEngine.create(RolloutTesting.fixture("tiny-llama2"))) {
            assertEquals(0, e.cacheBytes());
            List<GenerationRequest> request = List.of(new GenerationRequest(new int[]{1, 5, 9}, 3,
                    SamplingParams.sampling(8, Set.of(), 7L)));
            List<Completion> first = e.generate(request).get(0);
            dev.thinktune.model.LlamaConfig c = e.config();
            // keys and values of every layer for 3 sequences of 3 + 8 tokens at least
            long least = 4L * 2 * c.numLayers() * 3 * c.numKvHeads() * c.headDim() * (3 + 8);
            assertTrue(e.cacheBytes() >= least, e.cacheBytes() + " bytes, at least " + least);
            e.releaseCache();
            assertEquals(0, e.cacheBytes());
            List<Completion> again = e.generate(request).get(0);
            assertTrue(e.cacheBytes() >= least);
            for (int i = 0; i < first.size(); i++) {
                assertEquals(java.util.Arrays.toString(first.get(i).tokenIds()),
                        java.util.Arrays.toString(again.get(i).tokenIds()), "sample " + i);
            }
        }
    }
}
