package dev.thinktune.model.arch;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen2's forward pass in both executors (the SameDiff graph and the rollout decoder): with zero biases it is
 * Llama's, exactly; with biases it agrees with a torch implementation of transformers' modeling_qwen2.py.
 */
class Qwen2ForwardTest {

    /** log-probs of the reference's tokens: the graph, then the decoder, as flat [B * (T-1)] arrays. */
    private static float[][] bothExecutors(ModelWeights w, List<int[]> seqs) {
        float[] graph = StudentModel.of(w).tokenLogprobs(TokenBatch.rightPadded(seqs, 0)).data().asFloat();
        float[] decoder = new float[graph.length];
        try (RolloutEngine engine = RolloutEngine.create(w)) {
            List<float[]> rows = engine.logprobs(seqs);
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, decoder, i * rows.get(i).length, rows.get(i).length);
            }
        }
        return new float[][]{graph, decoder};
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void zeroBiasesScoreExactlyAsTheSameWeightsReadAsLlama(String fixture) {
        ModelWeights llama = HfCheckpoint.load(Fixtures.model(fixture));
        List<int[]> seqs = List.of(new int[]{1, 17, 33, 101, 7, 9, 42, 5}, new int[]{1, 250, 3, 44, 12, 8, 19, 77});
        float[][] asLlama = bothExecutors(llama, seqs);
        float[][] asQwen2 = bothExecutors(QwenTesting.asQwen2(llama, 0f), seqs);
        assertArrayEquals(asLlama[0], asQwen2[0], "graph");
        assertArrayEquals(asLlama[1], asQwen2[1], "decoder");
        // and a non-zero bias changes both (the bias is applied, not ignored)
        float[][] biased = bothExecutors(QwenTesting.asQwen2(llama, 0.3f), seqs);
        assertTrue(Fixtures.relativeError(biased[0], asLlama[0]) > 1e-3, "graph ignores the bias");
        assertTrue(Fixtures.relativeError(biased[1], asLlama[1]) > 1e-3, "decoder ignores the bias");
    }

    @Test
    void withBiasesBothExecutorsMatchTheTorchReference() {
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen2());
        assertEquals(Architecture.QWEN2, w.config().architecture());
        assertEquals(1_000_000.0, w.config().ropeTheta());
        try (SafetensorsFile ref = QwenTesting.reference()) {
            List<int[]> seqs = QwenTesting.referenceSequences(ref);
            float[] expected = ref.floats("token_logprobs");
            float[][] got = bothExecutors(w, seqs);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got[0][i], 1e-4, "graph, token " + i);
                assertEquals(expected[i], got[1][i], 1e-4, "decoder, token " + i);
            }
            float[] logits = StudentModel.of(w).logits(TokenBatch.rightPadded(seqs, 0)).data().asFloat();
            float[] expectedLogits = ref.floats("logits");
            assertEquals(expectedLogits.length, logits.length);
            assertTrue(Fixtures.relativeError(logits, expectedLogits) < 1e-5,
                    "logits: " + Fixtures.relativeError(logits, expectedLogits));
            // the reference is not Llama's: without the biases the log-probs move well away from it
            ModelWeights unbiased = w.copy();
            unbiased.tensors().forEach((k, v) -> {
                if (k.endsWith(".bias")) {
                    v.assign(0);
                }
            });
            float[] noBias = StudentModel.of(unbiased).tokenLogprobs(TokenBatch.rightPadded(seqs, 0)).data()
                    .asFloat();
            assertTrue(Fixtures.relativeError(noBias, expected) > 1e-2, "the biases do not matter to the reference");
        }
    }
}
