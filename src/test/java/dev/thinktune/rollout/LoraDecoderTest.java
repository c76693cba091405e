package dev.thinktune.rollout;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TestAdapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder with low-rank adapters applied beside the base weights, against the decoder on weights merged in
 * the test ({@code W + scale * B A} by plain loops), and against the decoder without adapters.
 */
class LoraDecoderTest {
    private static final String BF16 = "model-bf16.safetensors";

    private static List<int[]> rows(String name) {
        try (SafetensorsFile g = Fixtures.golden(name)) {
            return RolloutTesting.prefillRows(g);
        }
    }

    private static void assertSameBits(List<float[]> want, List<float[]> got) {
        assertEquals(want.size(), got.size());
        for (int r = 0; r < want.size(); r++) {
            assertArrayEquals(want.get(r), got.get(r), 0f, "row " + r);
        }
    }

    /** Makes both paths of a two-thread team run on the tiny fixtures (columns and, for decode steps, rows). */
    private static RolloutEngine shared(RolloutEngine e) {
        e.decoder().parallelMinFlops = 0;
        e.decoder().parallelMinBytes = 0;
        e.decoder().rowSplitMin = 2;
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void adaptersGiveTheLogitsOfTheMergedWeights(String name) {
        ModelWeights base = RolloutTesting.fixture(name);
        List<int[]> rows = rows(name);
        for (LoraConfig config : List.of(TestAdapters.ALL, TestAdapters.SOME)) {
            LoraAdapters adapters = TestAdapters.random(config, base.config(), 3, 0.2);
            try (RolloutEngine lora = shared(RolloutEngine.create(base, adapters, RolloutTesting.threads(2)));
                 RolloutEngine merged = RolloutEngine.create(TestAdapters.merged(base, adapters),
                         RolloutTesting.threads(1));
                 RolloutEngine plain = RolloutEngine.create(base, RolloutTesting.threads(1))) {
                List<float[]> want = merged.logits(rows);
                double err = Fixtures.relativeError(lora.logits(rows), want);
                assertTrue(err < 2e-6, config + ": max |diff| / max |merged| = " + err);
                double moved = Fixtures.relativeError(plain.logits(rows), want);
                assertTrue(moved > 1e-2, config + ": the adapters hardly change the logits: " + moved);
            }
        }
    }

    /**
     * Sampled tokens carry the log-probs of the adapted model: generation (decode steps split by columns and by
     * rows) against the merged weights' scoring of the same sequences.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void sampledLogprobsAreThoseOfTheMergedWeights(String name) {
        ModelWeights base = RolloutTesting.fixture(name);
        LoraAdapters adapters = TestAdapters.random(TestAdapters.ALL, base.config(), 4, 0.2);
        int[][] prompts = {{1, 17, 33, 101, 7, 9, 42}, {1, 5}, {1, 250, 3, 44, 12, 8, 19, 77, 31, 2, 64}};
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            reqs.add(new GenerationRequest(prompts[i], 3, SamplingParams.sampling(8, Set.of(), 20 + i)));
        }
        try (RolloutEngine lora = shared(RolloutEngine.create(base, adapters, RolloutTesting.threads(2)));
             RolloutEngine merged = RolloutEngine.create(TestAdapters.merged(base, adapters),
                     RolloutTesting.threads(1))) {
            List<List<Completion>> out = lora.generate(reqs);
            List<int[]> seqs = new ArrayList<>();
            List<float[]> sampled = new ArrayList<>();
            int[] first = new int[prompts.length * 3];
            for (int i = 0; i < prompts.length; i++) {
                for (Completion c : out.get(i)) {
                    first[seqs.size()] = prompts[i].length;
                    seqs.add(RolloutTesting.concat(prompts[i], c.tokenIds()));
                    sampled.add(c.logprobs());
                }
            }
            assertSameBits(lora.logprobs(seqs, first), sampled);
            assertTrue(Fixtures.relativeError(sampled, merged.logprobs(seqs, first)) < 1e-5);
        }
    }

    /** PEFT's initialisation (B = 0) leaves the model exactly as it was: the same bits, sampled and scored. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void zeroBGivesTheBaseModelBitForBit(String name) {
        ModelWeights base = RolloutTesting.fixture(name);
        LoraAdapters adapters = LoraAdapters.initialize(TestAdapters.ALL, base.config(), 9);
        List<int[]> rows = rows(name);
        List<GenerationRequest> reqs = List.of(new GenerationRequest(new int[]{1, 17, 33, 101}, 4,
                SamplingParams.sampling(10, Set.of(), 5)));
        try (RolloutEngine lora = shared(RolloutEngine.create(base, adapters, RolloutTesting.threads(2)));
             RolloutEngine plain = RolloutEngine.create(base, RolloutTesting.threads(1))) {
            assertSameBits(plain.logprobs(rows), lora.logprobs(rows));
            List<Completion> a = plain.generate(reqs).get(0), b = lora.generate(reqs).get(0);
            for (int s = 0; s < a.size(); s++) {
                assertArrayEquals(a.get(s).tokenIds(), b.get(s).tokenIds());
                assertArrayEquals(a.get(s).logprobs(), b.get(s).logprobs(), 0f);
            }
        }
    }

    /** baseScorer and baseGenerator: the engine's own weights with the adapters off, bit for bit the base model. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void baseScorerScoresTheModelWithoutAdapters(String name) {
        ModelWeights base = RolloutTesting.fixture(name);
        LoraAdapters adapters = TestAdapters.random(TestAdapters.ALL, base.config(), 5, 0.2);
        List<int[]> rows = rows(name);
        try (RolloutEngine lora = shared(RolloutEngine.create(base, adapters, RolloutTesting.threads(2)));
             RolloutEngine plain = RolloutEngine.create(base, RolloutTesting.threads(1))) {
            List<float[]> adapted = lora.logprobs(rows);
            assertSameBits(plain.logprobs(rows), lora.baseScorer().logprobs(rows));
            assertSameBits(adapted, lora.logprobs(rows)); // switched on again afterwards
            assertTrue(Fixtures.relativeError(adapted, plain.logprobs(rows)) > 1e-3);
            List<GenerationRequest> reqs = List.of(new GenerationRequest(new int[]{1, 17, 33, 101}, 3,
                    SamplingParams.sampling(8, Set.of(), 5)));
            List<Completion> want = plain.generate(reqs).get(0), got = lora.baseGenerator().generate(reqs).get(0);
            for (int s = 0; s < want.size(); s++) {
                assertArrayEquals(want.get(s).tokenIds(), got.get(s).tokenIds());
                assertArrayEquals(want.get(s).logprobs(), got.get(s).logprobs(), 0f);
            }
        }
    }

    /**
     * An optimizer update changes the adapter arrays in place; the engine sees it after refreshWeights() (and
     * not before), and the frozen base is not read again.
     */
    @Test
    void refreshWeightsPicksUpChangedAdapters() {
        ModelWeights base = RolloutTesting.fixture("tiny-llama3");
        LoraAdapters adapters = LoraAdapters.initialize(TestAdapters.ALL, base.config(), 9);
        LoraAdapters trained = TestAdapters.random(TestAdapters.ALL, base.config(), 6, 0.2);
        List<int[]> rows = rows("tiny-llama3");
        try (RolloutEngine lora = shared(RolloutEngine.create(base, adapters, RolloutTesting.threads(2)));
             RolloutEngine plain = RolloutEngine.create(base, RolloutTesting.threads(1))) {
            List<float[]> before = plain.logprobs(rows);
            adapters.tensors().forEach((k, v) -> v.assign(trained.tensors().get(k)));
            base.get("model.layers.0.self_attn.q_proj.weight").muli(0.5); // the base is frozen: never re-read
            assertSameBits(before, lora.logprobs(rows));
            lora.refreshWeights();
            base.get("model.layers.0.self_attn.q_proj.weight").muli(2.0);
            try (RolloutEngine merged = RolloutEngine.create(TestAdapters.merged(base, trained),
                    RolloutTesting.threads(1))) {
                assertTrue(Fixtures.relativeError(lora.logprobs(rows), merged.logprobs(rows)) < 1e-5);
            }
        }
    }

    /**
     * From a bfloat16 checkpoint the base stays in bfloat16 and the adapters in float32: bit for bit the engine
     * on the same weights widened to float32 arrays, before and after the adapters change (refreshWeights() is
     * allowed on a checkpoint engine that has adapters).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void checkpointEngineWithAdaptersEqualsTheFloat32EngineOnWidenedWeights(String name) {
        Path dir = Fixtures.model(name);
        ModelWeights widened = HfCheckpoint.load(dir, BF16);
        LoraAdapters adapters = TestAdapters.random(TestAdapters.SOME, widened.config(), 7, 0.2);
        List<int[]> rows = rows(name);
        try (RolloutEngine half = shared(RolloutEngine.create(dir, BF16, adapters, RolloutTesting.threads(2)));
             RolloutEngine wide = RolloutEngine.create(widened, adapters, RolloutTesting.threads(1))) {
            assertTrue(half.adapterBytes() > 0);
            assertEquals(half.adapterBytes(), wide.adapterBytes());
            assertSameBits(wide.logprobs(rows), half.logprobs(rows));
            List<float[]> old = half.logprobs(rows);
            adapters.tensors().values().forEach(a -> a.muli(-1.5));
            half.refreshWeights();
            wide.refreshWeights();
            List<float[]> fresh = half.logprobs(rows);
            assertSameBits(wide.logprobs(rows), fresh);
            assertTrue(Fixtures.relativeError(old, fresh) > 1e-3);
        }
    }

    @Test
    void adaptersOfAnotherArchitectureAreRefused() {
        ModelWeights llama3 = RolloutTesting.fixture("tiny-llama3");
        ModelWeights llama2 = RolloutTesting.fixture("tiny-llama2");
        LoraAdapters other = LoraAdapters.initialize(TestAdapters.ALL, llama2.config(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RolloutEngine.create(llama3, other, RolloutTesting.threads(1)));
        assertTrue(e.getMessage().contains("another architecture"), e.getMessage());
    }

    /** The adapters' A and B are streamed beside the base: at least r * (in + out) floats per module. */
    @Test
    void adapterBytesCountAAndBOfEveryModule() {
        ModelWeights base = RolloutTesting.fixture("tiny-llama2");
        LoraAdapters adapters = LoraAdapters.initialize(TestAdapters.ALL, base.config(), 1);
        try (RolloutEngine lora = RolloutEngine.create(base, adapters, RolloutTesting.threads(1));
             RolloutEngine plain = RolloutEngine.create(base, RolloutTesting.threads(1))) {
            long values = 4L * adapters.parameterCount();
            assertTrue(lora.adapterBytes() >= values, lora.adapterBytes() + " < " + values);
            assertEquals(plain.weightBytesPerStep() + lora.adapterBytes(), lora.weightBytesPerStep());
            assertEquals(0, plain.adapterBytes());
            assertEquals(plain, plain.baseScorer());
        }
    }
}
