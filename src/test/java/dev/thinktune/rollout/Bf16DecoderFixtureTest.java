package dev.thinktune.rollout;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

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

    /** The fixture's rows, right padding stripped with the mask. */
    private static List<int[]> rows(SafetensorsFile g) {
        int[] ids = g.ints("input_ids");
        int[] mask = g.ints("attention_mask");
        int b = (int) g.info("input_ids").shape()[0], t = (int) g.info("input_ids").shape()[1];
        List<int[]> rows = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            int len = 0;
            while (len < t && mask[r * t + len] == 1) {
                len++;
            }
            rows.add(Arrays.copyOfRange(ids, r * t, r * t + len));
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void prefillLogitsMatchTransformersWithBf16Weights(String name) {
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = bf16Engine(name, 2)) {
            assertEquals(engine.weightBytesPerStep(), expectedBf16Bytes(engine), "every matrix held in bfloat16");
            int v = engine.config().vocabSize();
            int t = (int) g.info("input_ids").shape()[1];
            float[] golden = g.floats("logits_bf16_weights");
            List<int[]> rows = rows(g);
            List<float[]> logits = engine.logits(rows);
            double num = 0, den = 0;
            for (int r = 0; r < rows.size(); r++) {
                float[] got = logits.get(r);
                for (int i = 0; i < got.length; i++) {
                    float want = golden[r * t * v + i];
                    num = Math.max(num, Math.abs(got[i] - want));
                    den = Math.max(den, Math.abs(want));
                }
            }
            assertTrue(num / den < 1e-4, "max |diff| / max |golden| = " + num / den);
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
            List<int[]> rows = rows(g);
            List<float[]> a = half.logprobs(rows);
            List<float[]> b = wide.logprobs(rows);
            for (int r = 0; r < rows.size(); r++) {
                assertArrayEquals(b.get(r), a.get(r), 0f, "row " + r);
            }
        }
    }

    /** Greedy decoding from the bfloat16 checkpoint gives transformers' tokens on the float32 weights, up to near ties. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3"})
    void greedyDecodingFollowsTransformers(String name) {
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = bf16Engine(name, 2)) {
            int[] ids = g.ints("greedy_prompt_ids");
            int[] mask = g.ints("greedy_prompt_mask");
            int[] want = g.ints("greedy_new_ids");
            float[] margin = g.floats("greedy_margin");
            int b = (int) g.info("greedy_prompt_ids").shape()[0], t = (int) g.info("greedy_prompt_ids").shape()[1];
            int n = (int) g.info("greedy_new_ids").shape()[1];
            List<GenerationRequest> requests = new ArrayList<>();
            for (int r = 0; r < b; r++) {
                int start = 0;
                while (mask[r * t + start] == 0) {
                    start++;
                }
                requests.add(new GenerationRequest(Arrays.copyOfRange(ids, r * t + start, r * t + t), 1,
                        SamplingParams.greedy(n, Set.of())));
            }
            List<List<Completion>> out = engine.generate(requests);
            int compared = 0;
            for (int r = 0; r < b; r++) {
                int[] got = out.get(r).get(0).tokenIds();
                for (int j = 0; j < n; j++) {
                    if (got[j] != want[r * n + j]) {
                        // bfloat16 rounding of the weights moves logits by about 1e-3 of their range
                        assertTrue(margin[r * n + j] <= 2e-2, "row " + r + " step " + j + ": got " + got[j]
                                + ", transformers " + want[r * n + j] + " with margin " + margin[r * n + j]);
                        break;
                    }
                    compared++;
                }
            }
            assertTrue(compared >= b * n / 2, "only " + compared + " steps compared");
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
