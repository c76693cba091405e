package dev.thinktune.model;

import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SameDiff student against Hugging Face transformers' outputs on the same weights and inputs. */
class LlamaGraphFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void logitsMatchTransformersWhereMaskIsOne(String name) {
        StudentModel model = StudentModel.load(Fixtures.model(name));
        try (SafetensorsFile g = Fixtures.golden(name)) {
            TokenBatch batch = goldenBatch(g);
            float[] logits = model.logits(batch).data().asFloat();
            assertMaskedClose(batch, logits, g.floats("logits"), model.config().vocabSize(), 1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void bf16WeightsGiveTheLogitsOfBf16RoundedWeights(String name) {
        StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model(name), "model-bf16.safetensors"));
        try (SafetensorsFile g = Fixtures.golden(name)) {
            TokenBatch batch = goldenBatch(g);
            float[] logits = model.logits(batch).data().asFloat();
            assertMaskedClose(batch, logits, g.floats("logits_bf16_weights"), model.config().vocabSize(), 1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void tokenLogprobsMatchTransformers(String name) {
        StudentModel model = StudentModel.load(Fixtures.model(name));
        try (SafetensorsFile g = Fixtures.golden(name)) {
            TokenBatch batch = goldenBatch(g);
            INDArray lp = model.tokenLogprobs(batch);
            int t = batch.time();
            assertEquals(List.of((long) batch.batch(), (long) t - 1), List.of(lp.shape()[0], lp.shape()[1]));
            float[] actual = lp.data().asFloat();
            float[] golden = g.floats("token_logprobs");
            double worst = 0;
            for (int b = 0; b < batch.batch(); b++) {
                for (int j = 0; j < t - 1; j++) {
                    if (batch.mask()[b * t + j + 1] != 0) {
                        worst = Math.max(worst, Math.abs(actual[b * (t - 1) + j] - golden[b * (t - 1) + j]));
                    }
                }
            }
            assertTrue(worst < 1e-4, "max |diff| of token log-probs = " + worst);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void leftPaddingGivesTheLogitsOfTheUnpaddedSequence(String name) {
        StudentModel model = StudentModel.load(Fixtures.model(name));
        int v = model.config().vocabSize();
        try (SafetensorsFile g = Fixtures.golden(name)) {
            TokenBatch golden = goldenBatch(g);
            int t = golden.time();
            List<int[]> rows = new ArrayList<>();
            for (int b = 0; b < golden.batch(); b++) {
                int len = 0;
                while (len < t && golden.mask()[b * t + len] != 0) {
                    len++;
                }
                rows.add(java.util.Arrays.copyOfRange(golden.ids(), b * t, b * t + len));
            }
            TokenBatch left = TokenBatch.leftPadded(rows, 0);
            float[] padded = model.logits(left).data().asFloat();
            for (int b = 0; b < rows.size(); b++) {
                int len = rows.get(b).length;
                TokenBatch alone = TokenBatch.rightPadded(List.of(rows.get(b)), 0);
                float[] single = model.logits(alone).data().asFloat();
                double worst = 0;
                for (int j = 0; j < len; j++) {
                    int pj = (b * t + (t - len) + j) * v;
                    for (int k = 0; k < v; k++) {
                        worst = Math.max(worst, Math.abs(padded[pj + k] - single[j * v + k]));
                    }
                }
                assertTrue(worst < 1e-4, "row " + b + ": max |diff| = " + worst);
            }
        }
    }

    static TokenBatch goldenBatch(SafetensorsFile g) {
        long[] shape = g.info("input_ids").shape();
        int b = (int) shape[0], t = (int) shape[1];
        int[] mask = g.ints("attention_mask");
        float[] m = new float[mask.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = mask[i];
        }
        return new TokenBatch(b, t, g.ints("input_ids"), m, g.ints("position_ids"));
    }

    static void assertMaskedClose(TokenBatch batch, float[] actual, float[] golden, int v, double tol) {
        assertEquals(golden.length, actual.length);
        double num = 0, den = 0;
        for (int i = 0; i < batch.batch() * batch.time(); i++) {
            if (batch.mask()[i] == 0) {
                continue;
            }
            for (int k = 0; k < v; k++) {
                num = Math.max(num, Math.abs(actual[i * v + k] - golden[i * v + k]));
                den = Math.max(den, Math.abs(golden[i * v + k]));
            }
        }
        System.out.println("max |diff| / max |golden| = " + num / den);
        assertTrue(num / den < tol, "max |diff| / max |golden| = " + num / den);
    }
}
