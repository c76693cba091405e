package dev.thinktune.rollout;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder built straight from a bfloat16 checkpoint ({@code model-bf16.safetensors} of the fixtures) keeps
 * its weights in bfloat16: against transformers' logits with bfloat16-rounded weights, and bit for bit against
 * the float32 decoder on the same weights widened.
 */
class Bf16DecoderFixtureTest {
    private static final String BF16 = "model-bf16.safetensors";

    private static RolloutEngine bf16Engine(String name, int threads) {
        return RolloutEngine.create(Fixtures.model(name), BF16, RolloutTesting.threads(threads));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void prefillLogitsMatchTransformersWithBf16Weights(String name) {
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = bf16Engine(name, 2)) {
            assertEquals(engine.weightBytesPerStep(), expectedBf16Bytes(engine), "every matrix held in bfloat16");
            List<float[]> logits = engine.logits(RolloutTesting.prefillRows(g));
            double err = RolloutTesting.relativeLogitError(logits, g.floats("logits_bf16_weights"),
                    (int) g.info("input_ids").shape()[1], engine.config().vocabSize());
            assertTrue(err < 1e-4, "max |diff| / max |golden| = " + err);
        }
    }

    /** Bytes of the packed matrices at two bytes a weight (input pairs rounded up, panels padded). */
    private static long expectedBf16Bytes(RolloutEngine e) {
        var c = e.config();
        int d = c.hiddenSize(), hd = c.headDim(), q = c.numHeads() * hd, kv = c.numKvHeads() * hd;
        long layer = 2L * PackedMatrix.padded(q + 2 * kv) * d + 2L * PackedMatrix.padded(d) * q
                + 2L * 2 * PackedMatrix.padded(c.intermediateSize()) * d + 2L * PackedMatrix.padded(d)
                * c.intermediateSize();
        return c.numLayers() * layer + 2L * PackedMatrix.padded(c.vocabSize()) * d;
    }

    /**
     * The bfloat16 kernels run the float32 kernels' fused multiply-add chains on widened values, so the decoder
     * over the checkpoint's bfloat16 panels and the float32 decoder over the same file loaded as float32 arrays
     * give identical log-probabilities (the training path's numbers), with one thread and with two.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void logprobsEqualFloat32DecoderOnWidenedWeightsBitForBit(String name) {
        Path dir = Fixtures.model(name);
        try (SafetensorsFile g = Fixtures.golden(name);
             RolloutEngine half = bf16Engine(name, 2);
             RolloutEngine wide = RolloutEngine.create(HfCheckpoint.load(dir, BF16), RolloutTesting.threads(1))) {
            assertTrue(half.weightBytesPerStep() * 2 <= wide.weightBytesPerStep() + 64L * PackedMatrix.NR * 4,
                    "bf16 streams about half the bytes: " + half.weightBytesPerStep() + " vs "
                            + wide.weightBytesPerStep());
            List<int[]> rows = RolloutTesting.prefillRows(g);
            List<float[]> a = half.logprobs(rows);
            List<float[]> b = wide.logprobs(rows);
            for (int r = 0; r < rows.size(); r++) {
                assertArrayEquals(b.get(r), a.get(r), 0f, "row " + r);
            }
        }
    }

    /**
     * Greedy decoding from the bfloat16 checkpoint follows transformers' tokens on the float32 weights up to near
     * ties: bfloat16 rounding of the weights moves the logits by about 1e-3 of their range.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3"})
    void greedyDecodingFollowsTransformers(String name) {
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = bf16Engine(name, 2)) {
            RolloutTesting.assertGreedyFollowsTransformers(engine, g, 2e-2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3"})
    void aCheckpointEngineRefusesFloat32Updates(String name) {
        try (RolloutEngine engine = bf16Engine(name, 1)) {
            assertThrows(IllegalStateException.class, engine::refreshWeights);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> engine.syncFrom(RolloutTesting.fixture(name)));
            assertFalse(e.getMessage().isBlank());
        }
    }
}
