package dev.thinktune.rollout;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java decoder against Hugging Face transformers' outputs on the fixture models. */
class DecoderFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void prefillLogitsMatchTransformersWhereMaskIsOne(String name) {
        ModelWeights weights = HfCheckpoint.load(Fixtures.model(name));
        int v = weights.config().vocabSize();
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = RolloutEngine.create(weights)) {
            int[] ids = g.ints("input_ids");
            int[] mask = g.ints("attention_mask");
            int b = (int) g.info("input_ids").shape()[0], t = (int) g.info("input_ids").shape()[1];
            float[] golden = g.floats("logits");
            List<int[]> rows = new ArrayList<>();
            for (int r = 0; r < b; r++) {
                int len = 0;
                while (len < t && mask[r * t + len] == 1) {
                    len++;
                }
                rows.add(Arrays.copyOfRange(ids, r * t, r * t + len));
            }
            List<float[]> logits = engine.logits(rows);
            double num = 0, den = 0;
            for (int r = 0; r < b; r++) {
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

    /**
     * Greedy decoding of the fixture prompts (the left padding stripped with the mask: positions count from each
     * prompt's first token, as transformers' generate does) gives transformers' tokens. A step whose top-two
     * logit gap ({@code greedy_margin}) is at most 1e-3 may legitimately pick the other token under a one-ulp
     * difference; a row is compared up to the first such step where the tokens differ, and not after it (the
     * continuations then diverge).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void greedyDecodingReproducesTransformers(String name) {
        ModelWeights weights = HfCheckpoint.load(Fixtures.model(name));
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = RolloutEngine.create(weights)) {
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
                Completion c = out.get(r).get(0);
                assertEquals(n, c.length());
                assertEquals(FinishReason.LENGTH, c.finishReason());
                for (int j = 0; j < n; j++) {
                    if (c.tokenIds()[j] != want[r * n + j]) {
                        assertTrue(margin[r * n + j] <= 1e-3, "row " + r + " step " + j + ": got "
                                + c.tokenIds()[j] + ", transformers " + want[r * n + j] + " with margin "
                                + margin[r * n + j]);
                        break;
                    }
                    compared++;
                }
            }
            assertTrue(compared >= b * n / 2, "only " + compared + " steps compared");
        }
    }
}
