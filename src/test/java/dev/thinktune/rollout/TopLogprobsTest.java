package dev.thinktune.rollout;

import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alternatives reported with each sampled token, against the log-softmax of the SameDiff graph's logits
 * (an independent forward pass): the k largest, most likely first, at temperature 1 whatever the sampling
 * transforms, and asking for them changes no sampled token.
 */
class TopLogprobsTest {
    private static final int[] PROMPT = {1, 17, 33, 101, 7};
    private static StudentModel model;
    private static RolloutEngine engine;

    @BeforeAll
    static void setUp() {
        var weights = RolloutTesting.peaked();
        model = StudentModel.of(weights);
        engine = RolloutEngine.create(weights, RolloutEngine.Options.defaults().withThreads(2));
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    @Test
    void ofKeepsTheKLargestAsLogSoftmaxWithTiesToTheLowerId() {
        float[] row = {9f, 1f, 3f, 3f, 0f, 2f};
        TopLogprobs top = TopLogprobs.of(row, 1, 5, 3);
        double z = Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(0) + Math.exp(2));
        assertArrayEquals(new int[]{1, 2, 4}, top.ids());
        assertArrayEquals(new float[]{(float) (3 - z), (float) (3 - z), (float) (2 - z)}, top.logprobs(), 1e-6f);
        assertEquals(5, TopLogprobs.of(row, 1, 5, 20).size(), "k is clamped to the vocabulary");
        assertEquals(0, TopLogprobs.of(row, 1, 5, 0).size());
    }

    @Test
    void everyTokenReportsTheGraphsLargestLogprobsAtTemperatureOneAndSamplesAsWithout() {
        int k = 5;
        SamplingParams params = new SamplingParams(0.7, 0.9, 0, 0.0, 6, Set.of(), List.of(), 21L);
        List<float[]> streamedLogprob = new ArrayList<>();
        List<TopLogprobs> streamedTop = new ArrayList<>();
        Generator.TokenListener listener = new Generator.TokenListener() {
            @Override
            public void onToken(int request, int sample, int tokenId) {
                throw new AssertionError("the engine reports log-probs with each token");
            }

            @Override
            public void onToken(int request, int sample, int tokenId, float logprob, TopLogprobs top) {
                if (sample == 0) {
                    streamedLogprob.add(new float[]{logprob});
                    streamedTop.add(top);
                }
            }
        };
        List<Completion> with = engine.generate(List.of(new GenerationRequest(PROMPT, 3, params, k)), listener).get(0);
        List<Completion> without = engine.generate(List.of(new GenerationRequest(PROMPT, 3, params))).get(0);
        int v = model.config().vocabSize();
        for (int s = 0; s < with.size(); s++) {
            Completion c = with.get(s);
            assertArrayEquals(without.get(s).tokenIds(), c.tokenIds(), "asking for alternatives changed sample " + s);
            assertTrue(without.get(s).topLogprobs().isEmpty());
            assertEquals(c.length(), c.topLogprobs().size());
            int[] seq = RolloutTesting.concat(PROMPT, c.tokenIds());
            float[] logits = model.logits(TokenBatch.rightPadded(List.of(seq), 0)).data().asFloat();
            for (int j = 0; j < c.length(); j++) {
                int pos = PROMPT.length - 1 + j;
                double[] lp = logSoftmax(Arrays.copyOfRange(logits, pos * v, (pos + 1) * v));
                Integer[] order = IntStream.range(0, v).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -lp[i]).thenComparingInt(i -> i));
                TopLogprobs top = c.topLogprobs().get(j);
                assertEquals(k, top.size());
                for (int i = 0; i < k; i++) {
                    assertEquals(order[i], top.id(i), "sample " + s + " step " + j + " rank " + i);
                    assertEquals(lp[order[i]], top.logprob(i), 2e-4, "sample " + s + " step " + j + " rank " + i);
                }
                assertEquals(lp[c.tokenIds()[j]], c.logprobs()[j], 2e-4, "the sampled token's log-prob");
                if (s == 0) {
                    assertEquals(c.logprobs()[j], streamedLogprob.get(j)[0]);
                    assertEquals(top, streamedTop.get(j), "the listener got the completion's alternatives");
                }
            }
        }
    }

    /** log of the softmax at temperature 1 ({@link RolloutTesting#softmax}, in double precision). */
    private static double[] logSoftmax(float[] row) {
        double[] x = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            x[i] = row[i];
        }
        double[] p = RolloutTesting.softmax(x, 1.0);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.log(p[i]);
        }
        return p;
    }
}
