package dev.thinktune.rollout;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java decoder against Hugging Face transformers' outputs on the fixture models. */
class DecoderFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void prefillLogitsMatchTransformersWhereMaskIsOne(String name) {
        ModelWeights weights = HfCheckpoint.load(Fixtures.model(name));
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = RolloutEngine.create(weights)) {
            List<float[]> logits = engine.logits(RolloutTesting.prefillRows(g));
            double err = RolloutTesting.relativeLogitError(logits, g.floats("logits"),
                    (int) g.info("input_ids").shape()[1], weights.config().vocabSize());
            assertTrue(err < 1e-4, "max |diff| / max |golden| = " + err);
        }
    }

    /**
     * Greedy decoding of the fixture prompts gives transformers' tokens. A step whose top-two logit gap
     * ({@code greedy_margin}) is at most 1e-3 may legitimately pick the other token under a one-ulp difference.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void greedyDecodingReproducesTransformers(String name) {
        ModelWeights weights = HfCheckpoint.load(Fixtures.model(name));
        try (SafetensorsFile g = Fixtures.golden(name); RolloutEngine engine = RolloutEngine.create(weights)) {
            RolloutTesting.assertGreedyFollowsTransformers(engine, g, 1e-3);
        }
    }
}
