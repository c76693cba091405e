package dev.thinktune.rollout;

import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The graph generator against transformers' greedy decodes and the graph's own log-probs. */
class GraphGeneratorTest {

    private static StudentModel model;
    private static GraphGenerator generator;

    @BeforeAll
    static void load() {
        model = StudentModel.load(Fixtures.model("tiny-llama3"));
        generator = new GraphGenerator(model, null);
    }

    @Test
    void greedyDecodingReproducesTransformersGenerate() {
        List<GenerationRequest> requests = new ArrayList<>();
        int[] expected;
        try (SafetensorsFile g = Fixtures.golden("tiny-llama3")) {
            int[] ids = g.ints("greedy_prompt_ids");
            int[] mask = g.ints("greedy_prompt_mask");
            expected = g.ints("greedy_new_ids");
            int t = mask.length / 3;
            for (int b = 0; b < 3; b++) {
                List<Integer> prompt = new ArrayList<>();
                for (int j = 0; j < t; j++) {
                    if (mask[b * t + j] != 0) {
                        prompt.add(ids[b * t + j]);
                    }
                }
                requests.add(new GenerationRequest(prompt.stream().mapToInt(Integer::intValue).toArray(), 1,
                        SamplingParams.greedy(expected.length / 3, Set.of())));
            }
        }
        List<List<Completion>> out = generator.generate(requests);
        int steps = expected.length / 3;
        for (int b = 0; b < 3; b++) {
            Completion c = out.get(b).get(0);
            assertArrayEquals(Arrays.copyOfRange(expected, b * steps, (b + 1) * steps), c.tokenIds(), "row " + b);
            assertEquals(FinishReason.LENGTH, c.finishReason());
        }
    }

    @Test
    void logprobsAreTheGraphsTemperatureOneLogprobsOfTheSampledTokens() {
        int[] prompt = {1, 17, 42, 99, 7};
        Completion c = generator.generate(List.of(new GenerationRequest(prompt, 1,
                new SamplingParams(0.7, 0.9, 0, 0.0, 6, Set.of(), List.of(), 3)))).get(0).get(0);
        int[] seq = Arrays.copyOf(prompt, prompt.length + c.length());
        System.arraycopy(c.tokenIds(), 0, seq, prompt.length, c.length());
        float[] lp = model.tokenLogprobs(TokenBatch.rightPadded(List.of(seq), 0)).data().asFloat();
        for (int i = 0; i < c.length(); i++) {
            assertEquals(lp[prompt.length - 1 + i], c.logprobs()[i], 1e-4, "token " + i);
        }
    }

    @Test
    void aSeedReproducesItsContinuationsAndContinuationsDiffer() {
        // the fixture mostly repeats its last token; a high temperature makes the choice a real draw
        GenerationRequest r = new GenerationRequest(new int[]{1, 5, 9}, 3,
                new SamplingParams(3.0, 1.0, 0, 0.0, 8, Set.of(), List.of(), 11));
        List<Completion> a = generator.generate(List.of(r)).get(0);
        List<Completion> b = generator.generate(List.of(r)).get(0);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a.get(i).tokenIds(), b.get(i).tokenIds());
        }
        assertFalse(Arrays.equals(a.get(0).tokenIds(), a.get(1).tokenIds()) && Arrays.equals(a.get(1).tokenIds(),
                a.get(2).tokenIds()), "three samples at temperature 3 are not all equal");
        List<Completion> other = generator.generate(List.of(new GenerationRequest(r.promptIds(), 3,
                r.params().withSeed(12)))).get(0);
        assertFalse(Arrays.equals(a.get(0).tokenIds(), other.get(0).tokenIds())
                && Arrays.equals(a.get(1).tokenIds(), other.get(1).tokenIds()));
    }

    @Test
    void aStopIdEndsTheContinuationAndStaysLast() {
        int[] prompt = {1, 17, 42};
        int[] greedy = generator.generate(List.of(new GenerationRequest(prompt, 1, SamplingParams.greedy(4, Set.of()))))
                .get(0).get(0).tokenIds();
        int stop = greedy[2];
        int firstAt = 0;
        while (greedy[firstAt] != stop) {
            firstAt++;
        }
        Completion c = generator.generate(List.of(new GenerationRequest(prompt, 1,
                SamplingParams.greedy(4, Set.of(stop))))).get(0).get(0);
        assertEquals(FinishReason.EOS, c.finishReason());
        assertArrayEquals(Arrays.copyOf(greedy, firstAt + 1), c.tokenIds());
    }

    @Test
    void idsOutsideTheVocabularyAndStopStringsWithoutATokenizerAreRefused() {
        int v = model.config().vocabSize();
        assertThrows(IllegalArgumentException.class, () -> generator.generate(List.of(
                new GenerationRequest(new int[]{1, v}, 1, SamplingParams.greedy(2, Set.of())))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> generator.generate(List.of(
                new GenerationRequest(new int[]{1}, 1, new SamplingParams(0, 1, 0, 0, 2, Set.of(), List.of("x"), 0)))));
        assertTrue(e.getMessage().contains("tokenizer"));
    }
}
