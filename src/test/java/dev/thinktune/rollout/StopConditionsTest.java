package dev.thinktune.rollout;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How continuations end: a stop id (kept, EOS), a stop string (STOP), the token limit (LENGTH). */
class StopConditionsTest {
    private static final int[] PROMPT = {1, 17, 33, 101, 7, 9};
    private static RolloutEngine engine;
    private static int[] greedy;

    @BeforeAll
    static void setUp() {
        engine = RolloutEngine.create(RolloutTesting.fixture("tiny-llama2"), RolloutEngine.Options.defaults()
                .withTokenizer(new RolloutTesting.BracketTokenizer(320)));
        greedy = generate(SamplingParams.greedy(12, Set.of())).tokenIds();
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    private static Completion generate(SamplingParams p) {
        return engine.generate(List.of(new GenerationRequest(PROMPT, 1, p))).get(0).get(0);
    }

    private static int firstIndexOf(int token) {
        for (int i = 0; i < greedy.length; i++) {
            if (greedy[i] == token) {
                return i;
            }
        }
        throw new AssertionError();
    }

    @Test
    void theTokenLimitEndsWithLength() {
        Completion c = generate(SamplingParams.greedy(5, Set.of()));
        assertEquals(FinishReason.LENGTH, c.finishReason());
        assertArrayEquals(Arrays.copyOf(greedy, 5), c.tokenIds());
        assertEquals(5, c.logprobs().length);
        assertEquals(PROMPT.length, c.promptTokens());
    }

    @Test
    void aStopIdEndsWithEosAndIsKept() {
        int stop = greedy[4];
        int at = firstIndexOf(stop);
        Completion c = generate(SamplingParams.greedy(12, Set.of(stop, 300)));
        assertEquals(FinishReason.EOS, c.finishReason());
        assertTrue(c.endedWithEos());
        assertArrayEquals(Arrays.copyOf(greedy, at + 1), c.tokenIds());
        assertEquals(stop, c.tokenIds()[c.length() - 1]);
    }

    @Test
    void aStopIdOnTheLastAllowedTokenIsStillEos() {
        int at = firstIndexOf(greedy[3]);
        Completion c = generate(SamplingParams.greedy(at + 1, Set.of(greedy[3])));
        assertEquals(FinishReason.EOS, c.finishReason());
        assertEquals(at + 1, c.length());
    }

    @Test
    void aStopStringEndsWithStopAtTheTokenThatCompletesIt() {
        // the text is "[a][b][c]..."; "]" + "[" + the first digit of token 3 spans tokens 2 and 3
        String text = new RolloutTesting.BracketTokenizer(320).decode(greedy);
        String stop = "][" + Integer.toString(greedy[3]).charAt(0);
        int end = text.indexOf(stop) + stop.length();
        int tokens = 0;
        for (int len = 0; len < end; tokens++) {
            len += RolloutTesting.BracketTokenizer.piece(greedy[tokens]).length();
        }
        Completion c = generate(new SamplingParams(0.0, 1.0, 0, 0.0, 12, Set.of(), List.of("no such text", stop), 0));
        assertEquals(FinishReason.STOP, c.finishReason());
        assertArrayEquals(Arrays.copyOf(greedy, tokens), c.tokenIds());
    }

    @Test
    void continuationsEndIndependentlyInOneBatch() {
        List<GenerationRequest> reqs = new ArrayList<>();
        reqs.add(new GenerationRequest(PROMPT, 1, SamplingParams.greedy(3, Set.of())));
        reqs.add(new GenerationRequest(PROMPT, 1, SamplingParams.greedy(12, Set.of(greedy[6]))));
        reqs.add(new GenerationRequest(PROMPT, 1, SamplingParams.greedy(12, Set.of())));
        reqs.add(new GenerationRequest(PROMPT, 1, SamplingParams.greedy(1, Set.of())));
        List<List<Completion>> out = engine.generate(reqs);
        assertArrayEquals(Arrays.copyOf(greedy, 3), out.get(0).get(0).tokenIds());
        assertArrayEquals(Arrays.copyOf(greedy, firstIndexOf(greedy[6]) + 1), out.get(1).get(0).tokenIds());
        assertArrayEquals(greedy, out.get(2).get(0).tokenIds());
        assertArrayEquals(Arrays.copyOf(greedy, 1), out.get(3).get(0).tokenIds());
        assertEquals(FinishReason.LENGTH, out.get(3).get(0).finishReason());
    }

    @Test
    void theListenerSeesEveryTokenInOrder() {
        List<String> seen = new ArrayList<>();
        List<List<Completion>> out = engine.generate(List.of(
                new GenerationRequest(PROMPT, 2, SamplingParams.sampling(4, Set.of(), 3L)),
                new GenerationRequest(PROMPT, 1, SamplingParams.greedy(2, Set.of()))),
                (request, sample, token) -> seen.add(request + "/" + sample + ":" + token));
        List<String> expected = new ArrayList<>();
        for (int r = 0; r < out.size(); r++) {
            for (int s = 0; s < out.get(r).size(); s++) {
                for (int tok : out.get(r).get(s).tokenIds()) {
                    expected.add(r + "/" + s + ":" + tok);
                }
            }
        }
        assertEquals(expected.size(), seen.size());
        assertTrue(seen.containsAll(expected));
        for (int r = 0; r < out.size(); r++) {
            for (int s = 0; s < out.get(r).size(); s++) {
                String prefix = r + "/" + s + ":";
                List<String> mine = seen.stream().filter(x -> x.startsWith(prefix)).toList();
                assertEquals(expected.stream().filter(x -> x.startsWith(prefix)).toList(), mine);
            }
        }
    }

    @Test
    void stopStringsWithoutATokenizerAreRefused() {
        try (RolloutEngine plain = RolloutEngine.create(RolloutTesting.fixture("tiny-llama2"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plain.generate(List.of(
                    new GenerationRequest(PROMPT, 1,
                            new SamplingParams(1.0, 1.0, 0, 0.0, 4, Set.of(), List.of("x"), 0)))));
            assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
        }
    }
}
