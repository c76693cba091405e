package dev.thinktune.rollout;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder's log-probabilities are the training graph's: those carried by sampled tokens (the old policy's
 * log-probs) and those of the scoring path, before and after the weights change under it.
 */
class LogprobsMatchTrainingGraphTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void sampledAndScoredLogprobsMatchTheGraphBeforeAndAfterAnUpdate(String name) {
        ModelWeights weights = RolloutTesting.fixture(name);
        StudentModel model = StudentModel.of(weights);
        try (RolloutEngine engine = RolloutEngine.create(weights)) {
            List<int[]> seqs = sampleAndCompare(engine, model, 11L);

            // an optimizer update changes the arrays in place; the engine sees it after refreshWeights()
            Random rng = Nd4j.getRandomFactory().getNewRandomInstance(5);
            for (INDArray a : weights.tensors().values()) {
                a.addi(Nd4j.randn(rng, a.shape()).castTo(a.dataType()).muli(0.02));
            }
            float[] stale = engine.logprobs(seqs).get(0);
            engine.refreshWeights();
            float[] fresh = engine.logprobs(seqs).get(0);
            double moved = 0;
            for (int i = 0; i < stale.length; i++) {
                moved = Math.max(moved, Math.abs(stale[i] - fresh[i]));
            }
            assertTrue(moved > 1e-3, "the update did not change the log-probs: " + moved);
            sampleAndCompare(engine, model, 12L);
        }
    }

    /**
     * With low-rank adapters: the decoder applying them beside the frozen weights agrees with the graph that
     * trains them, before and after the adapters change in place (the optimizer's update), and its base scorer
     * agrees with the graph of the base model.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void withAdaptersTheDecoderMatchesTheGraphThatTrainsThem(String name) {
        ModelWeights weights = RolloutTesting.fixture(name);
        LoraAdapters adapters = LoraAdapters.initialize(new LoraConfig(4, 8, 0, LoraConfig.MODULES),
                weights.config(), 3);
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(8);
        adapters.tensors().forEach((k, a) -> a.addi(Nd4j.randn(rng, a.shape()).castTo(a.dataType()).muli(0.05)));
        StudentModel model = StudentModel.of(weights, adapters);
        try (RolloutEngine engine = RolloutEngine.create(weights, adapters, RolloutEngine.Options.defaults())) {
            List<int[]> seqs = sampleAndCompare(engine, model, 21L);
            adapters.tensors().forEach((k, a) -> a.addi(Nd4j.randn(rng, a.shape()).castTo(a.dataType()).muli(0.05)));
            engine.refreshWeights();
            sampleAndCompare(engine, model, 22L);
            float[] base = StudentModel.of(weights).tokenLogprobs(TokenBatch.rightPadded(seqs.subList(0, 1), 0))
                    .data().asFloat();
            float[] scored = engine.baseScorer().logprobs(seqs.subList(0, 1)).get(0);
            for (int i = 0; i < scored.length; i++) {
                assertEquals(base[i], scored[i], TOLERANCE, "base scorer, position " + i);
            }
        }
    }

    /** Samples continuations, then checks their log-probs and the scoring path against the graph. */
    private static List<int[]> sampleAndCompare(RolloutEngine engine, StudentModel model, long seed) {
        int[][] prompts = {{1, 17, 33, 101, 7, 9, 42}, {1, 5}, {1, 250, 3, 44, 12, 8, 19, 77, 31, 2, 64}};
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            reqs.add(new GenerationRequest(prompts[i], 2, SamplingParams.sampling(9, Set.of(), seed + i)));
        }
        List<List<Completion>> out = engine.generate(reqs);
        List<int[]> seqs = new ArrayList<>();
        List<Completion> flat = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            for (Completion c : out.get(i)) {
                seqs.add(RolloutTesting.concat(prompts[i], c.tokenIds()));
                flat.add(c);
            }
        }
        TokenBatch batch = TokenBatch.rightPadded(seqs, 0);
        float[] graph = model.tokenLogprobs(batch).data().asFloat();
        int t1 = batch.time() - 1;

        List<float[]> scored = engine.logprobs(seqs);
        int[] firstTarget = new int[seqs.size()];
        for (int s = 0; s < seqs.size(); s++) {
            firstTarget[s] = flat.get(s).promptTokens();
        }
        List<float[]> response = engine.logprobs(seqs, firstTarget);
        double worstSampled = 0, worstScored = 0, worstResponse = 0;
        for (int s = 0; s < seqs.size(); s++) {
            int len = seqs.get(s).length;
            int p = flat.get(s).promptTokens();
            assertEquals(len - 1, scored.get(s).length);
            assertEquals(len - p, response.get(s).length);
            for (int t = 0; t < len - 1; t++) {
                worstScored = Math.max(worstScored, Math.abs(scored.get(s)[t] - graph[s * t1 + t]));
            }
            for (int j = 0; j < flat.get(s).length(); j++) {
                double g = graph[s * t1 + p - 1 + j];
                worstSampled = Math.max(worstSampled, Math.abs(flat.get(s).logprobs()[j] - g));
                worstResponse = Math.max(worstResponse, Math.abs(response.get(s)[j] - g));
            }
        }
        assertTrue(worstSampled < TOLERANCE, "sampled tokens' log-probs: max |diff| = " + worstSampled);
        assertTrue(worstScored < TOLERANCE, "scored log-probs: max |diff| = " + worstScored);
        assertTrue(worstResponse < TOLERANCE, "response log-probs: max |diff| = " + worstResponse);
        return seqs;
    }
}
