package dev.thinktune.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clearing SameDiff's session caches frees what they hold and leaves the graphs working as before. */
class SessionArrayCacheTest {
    private static final TokenBatch BATCH = TokenBatch.rightPadded(
            List.of(new int[]{3, 9, 4, 17, 5, 30}, new int[]{7, 2, 8}), 0);

    private static StudentModel model() {
        return StudentModel.of(ModelWeights.initialize(LlamaConfig.of(64, 32, 64, 2, 4, 2, 64, true, 0, 1), 0.02, 5));
    }

    @Test
    void clearingFreesTheCachedArraysAndTheGraphStillGivesTheSameOutputs() {
        StudentModel model = model();
        float[] before = logprobs(model);
        assertArrayEquals(before, logprobs(model), "recycled arrays change nothing");
        long cached = SessionArrayCache.cachedBytes();
        assertTrue(cached > 0, "a forward pass leaves arrays in its session's cache");

        assertEquals(cached, SessionArrayCache.clearAll());
        assertEquals(0, SessionArrayCache.cachedBytes());

        assertArrayEquals(before, logprobs(model), "after clearing, fresh arrays give the same values");
        assertTrue(SessionArrayCache.cachedBytes() > 0, "the cache fills again");
    }

    @Test
    void aSessionRemembersOnlyTheArraysReleasedInItsLastRun() {
        StudentModel model = model();
        logprobs(model);
        logprobs(model);
        long held = SessionArrayCache.releasedIdsHeld(model.graph());
        assertTrue(held > 0, "a run releases its intermediate arrays");
        for (int i = 0; i < 5; i++) {
            logprobs(model);
        }
        long after = SessionArrayCache.releasedIdsHeld(model.graph());
        assertTrue(after < 2 * held, "one run's ids (" + held + " after two runs), not seven runs' (" + after + ")");
    }

    @Test
    void endingAPhaseEmptiesTheCachesAndTrimsTheNativeHeap() {
        StudentModel model = model();
        logprobs(model);
        assertTrue(SessionArrayCache.cachedBytes() > 0);
        OffHeapMemory.endPhase();
        assertEquals(0, SessionArrayCache.cachedBytes());
        assertTrue(OffHeapMemory.trimNativeHeap(), "JavaCPP's malloc_trim reached");
    }

    private static float[] logprobs(StudentModel model) {
        INDArray lp = model.tokenLogprobs(BATCH);
        return lp.dup().data().asFloat();
    }

    @Test
    void aCacheHoldsAQuarterOfMaxbytesUpToOneAndAHalfGibibytes() {
        long gib = 1L << 30;
        assertEquals(0.25, SessionArrayCache.cacheFraction(6 * gib), 1e-12, "6 GiB: a quarter is 1.5 GiB");
        assertEquals(0.25, SessionArrayCache.cacheFraction(2 * gib), 1e-12);
        assertEquals(1.5 / 22.5, SessionArrayCache.cacheFraction(22 * gib + gib / 2), 1e-12);
        assertEquals(1.5 * gib, SessionArrayCache.cacheFraction(100 * gib) * 100 * gib, 1.0);
    }
}
