package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each strategy's prompts, turns and final answers, with scripted model replies. */
class StrategyTest {
    private static Tokenizer tok;
    private static PromptEncoder prompts;
    private static int eot;

    private static final Example Q0 = new Example("q0", "What is 2 + 2?", "4", "", List.of(), Example.AnswerType.NUMBER);
    private static final Example Q1 = new Example("q1", "What is 1 + 2?", "3", "", List.of(), Example.AnswerType.NUMBER);
    private static final Example Q2 = new Example("q2", "Which is a fruit?", "B",
            "", List.of(new Example.Choice("A", "stone"), new Example.Choice("B", "apple")), Example.AnswerType.CHOICE);

    @BeforeAll
    static void load() {
        tok = TestModels.fixtureTokenizer();
        prompts = new PromptEncoder(tok, ChatTemplate.forTokenizer(tok), PromptFormatter.defaults(), "");
        eot = tok.tokenId("<|eot_id|>").orElseThrow();
    }

    /** Counts the generate calls and their sizes. */
    static final class Counting implements Generator {
        final Generator delegate;
        final List<Integer> calls = new ArrayList<>();

        Counting(Generator delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<List<Completion>> generate(List<GenerationRequest> requests, TokenListener listener) {
            calls.add(requests.size());
            return delegate.generate(requests, listener);
        }
    }

    private static int[] ids(String text) {
        return tok.encode(text, false);
    }

    private static int[] reply(String text) {
        return Batched.concat(ids(text), new int[]{eot});
    }

    private static String promptText(GenerationRequest r) {
        return tok.decode(r.promptIds(), false);
    }

    private static EvalContext context(Generator g, int batchSize) {
        return new EvalContext(g, prompts, new SamplingParams(0.7, 0.9, 0, 0.0, 64, Set.of(eot), List.of(), 5),
                batchSize, 0);
    }

    private static ScriptedGenerator scripted(Function<String, String> byPrompt) {
        return new ScriptedGenerator(r -> reply(byPrompt.apply(promptText(r))));
    }

    @Test
    void zeroShotCotAsksOnceWithTheTriggerAndTheFormatInstructionAllQuestionsInOneBatch() {
        ScriptedGenerator g = scripted(p -> "The answer is \\boxed{4}.");
        Counting counting = new Counting(g);
        EvalContext ctx = context(counting, 8);
        List<Transcript> out = new ZeroShotCot().answer(List.of(Q0, Q1, Q2), ctx);

        assertEquals(List.of(3), counting.calls);
        String expected = "What is 2 + 2?\n\nLet's think step by step. Put your final answer within \\boxed{}.";
        assertEquals(expected, ZeroShotCot.userMessage(ctx, Q0));
        assertArrayEquals(prompts.template().encode(List.of(ChatMessage.user(expected)), true),
                g.requests().get(0).promptIds());
        assertTrue(ZeroShotCot.userMessage(ctx, Q2).startsWith("Which is a fruit?\n\nA. stone\nB. apple\n\n"
                + "Let's think step by step. Answer with the label of the correct option (A, B)"));
        GenerationRequest r0 = g.requests().get(0);
        assertEquals(1, r0.n());
        assertEquals(64, r0.params().maxNewTokens());
        assertEquals(0.7, r0.params().temperature());
        assertNotEquals(r0.params().seed(), g.requests().get(1).params().seed(), "each question its own seed");

        Transcript t = out.get(0);
        assertEquals(1, t.turns().size());
        assertEquals("The answer is \\boxed{4}.", t.answerText());
        assertEquals(ids("The answer is \\boxed{4}.").length + 1, t.tokens(), "stop id counted");
        assertTrue(t.turns().get(0).prompt().contains("Let's think step by step."));
        assertTrue(Verifier.lenient().verify(Q0, t.answerText()).correct());
        assertFalse(Verifier.lenient().verify(Q1, out.get(1).answerText()).correct());
    }

    @Test
    void theTrainingPromptSendsExactlyWhatRolloutsSendWithoutTheTrigger() {
        ScriptedGenerator g = scripted(p -> "So the answer is \\boxed{3}.");
        PromptEncoder withSystem = new PromptEncoder(tok, ChatTemplate.forTokenizer(tok), PromptFormatter.defaults(),
                "Be exact.");
        EvalContext ctx = new EvalContext(g, withSystem, context(g, 8).params(), 8, 0);
        List<Transcript> out = new TrainingPrompt().answer(List.of(Q0, Q1, Q2), ctx);
        for (int i = 0; i < 3; i++) {
            Example q = List.of(Q0, Q1, Q2).get(i);
            assertArrayEquals(withSystem.encode(q).ids(), g.requests().get(i).promptIds(), "the rollout prompt");
            assertFalse(promptText(g.requests().get(i)).contains(ZeroShotCot.TRIGGER));
            assertEquals(ctx.seed(i, 0), g.requests().get(i).params().seed());
        }
        assertTrue(promptText(g.requests().get(0)).contains("Be exact."));
        assertEquals(promptText(g.requests().get(0)), out.get(0).turns().get(0).prompt());
        assertTrue(Verifier.lenient().verify(Q1, out.get(1).answerText()).correct());
        assertFalse(Verifier.lenient().verify(Q0, out.get(0).answerText()).correct());
    }

    @Test
    void questionsGoInBatchesAndTheirSeedsDoNotDependOnTheBatch() {
        ScriptedGenerator wide = scripted(p -> "x");
        ScriptedGenerator narrow = scripted(p -> "x");
        Counting counting = new Counting(narrow);
        new ZeroShotCot().answer(List.of(Q0, Q1, Q2), context(wide, 8));
        new ZeroShotCot().answer(List.of(Q0, Q1, Q2), context(counting, 2));
        assertEquals(List.of(2, 1), counting.calls);
        for (int i = 0; i < 3; i++) {
            assertEquals(wide.requests().get(i).params().seed(), narrow.requests().get(i).params().seed());
        }
        EvalContext ctx = context(wide, 8);
        assertNotEquals(ctx.seed(0, 0), ctx.withSeed(6).seed(0, 0), "another run seed, other samples");
        assertNotEquals(ctx.seed(0, 0), ctx.seed(0, 1), "another turn, another seed");
    }

    @Test
    void aTurnIsShortenedToTheSequenceLengthAndAPromptWithoutRoomGetsNoCall() {
        ScriptedGenerator g = scripted(p -> "a b c d e f g h i j k l m n o p q r s t u v w x y z");
        int promptLength = prompts.template().encode(List.of(ChatMessage.user(ZeroShotCot.userMessage(
                context(g, 8), Q0))), true).length;
        EvalContext tight = new EvalContext(g, prompts, context(g, 8).params(), 8, promptLength + 3);
        List<Transcript> out = new ZeroShotCot().answer(List.of(Q0), tight);
        assertEquals(3, g.requests().get(0).params().maxNewTokens());
        assertEquals(3, out.get(0).tokens());

        Counting counting = new Counting(g);
        EvalContext none = new EvalContext(counting, prompts, context(g, 8).params(), 8, promptLength);
        List<Transcript> empty = new ZeroShotCot().answer(List.of(Q0), none);
        assertEquals(List.of(), counting.calls);
        assertEquals("", empty.get(0).answerText());
        assertEquals(0, empty.get(0).tokens());
    }

    @Test
    void selfVerifyAsksForVerificationWithTheFirstAnswerAsTheAssistantsMessage() {
        ScriptedGenerator g = scripted(p -> {
            if (!p.contains("Verify your previous answer")) {
                return "The answer is \\boxed{4}.";
            }
            return p.contains("2 + 2") ? "I made a mistake: the answer is \\boxed{5}." : "All 3 steps check out.";
        });
        Counting counting = new Counting(g);
        EvalContext ctx = context(counting, 8);
        List<Transcript> out = new SelfVerify().answer(List.of(Q0, Q1), ctx);

        assertEquals(List.of(2, 2), counting.calls, "each turn batched over the questions");
        GenerationRequest second = g.requests().get(2);
        List<ChatMessage> expected = List.of(ChatMessage.user(ZeroShotCot.userMessage(ctx, Q0)),
                ChatMessage.assistant("The answer is \\boxed{4}."), ChatMessage.user(SelfVerify.followUp(ctx, Q0)));
        assertArrayEquals(prompts.template().encode(expected, true), second.promptIds());
        assertTrue(SelfVerify.followUp(ctx, Q0).endsWith("Put your final answer within \\boxed{}."));
        assertNotEquals(g.requests().get(0).params().seed(), second.params().seed(), "the second turn samples anew");

        Transcript revised = out.get(0);
        assertEquals(2, revised.turns().size());
        assertEquals("I made a mistake: the answer is \\boxed{5}.", revised.answerText(), "the revision counts");
        assertEquals(revised.turns().get(1).prompt(), prompts.template().render(expected, true));
        Transcript kept = out.get(1);
        assertEquals("The answer is \\boxed{4}.", kept.answerText(),
                "no explicit answer in the verification: the first answer stands");
        assertEquals(ids("The answer is \\boxed{4}.").length + 1 + ids("All 3 steps check out.").length + 1,
                kept.tokens(), "tokens of both turns");
    }

    @Test
    void selfCorrectAsksToFindProblemsAndKeepsTheSecondAnswer() {
        ScriptedGenerator g = scripted(p -> p.contains("find problems with your answer")
                ? "Nothing to improve." : "The answer is \\boxed{4}.");
        EvalContext ctx = context(g, 8);
        List<Transcript> out = new SelfCorrect().answer(List.of(Q0), ctx);
        String followUp = SelfCorrect.followUp(ctx, Q0);
        assertTrue(followUp.startsWith("Review your previous answer and find problems with your answer. Based on the"
                + " problems you found, improve your answer."));
        List<ChatMessage> expected = List.of(ChatMessage.user(ZeroShotCot.userMessage(ctx, Q0)),
                ChatMessage.assistant("The answer is \\boxed{4}."), ChatMessage.user(followUp));
        assertArrayEquals(prompts.template().encode(expected, true), g.requests().get(1).promptIds());
        assertEquals("Nothing to improve.", out.get(0).answerText(), "the second answer, whatever it says");
        assertFalse(Verifier.lenient().verify(Q0, out.get(0).answerText()).correct());
    }

    @Test
    void budgetForcingAppendsWaitAtAnEarlyStopThenForcesTheAnswer() {
        BudgetForcing bf = new BudgetForcing(40, 2, "\nWait", "\n\nFinal Answer: \\boxed{", 4);
        ScriptedGenerator g = scripted(p -> {
            if (p.endsWith("\\boxed{")) {
                return "4}";
            }
            int waits = p.split("Wait", -1).length - 1;
            return switch (waits) {
                case 0 -> "two and two";
                case 1 -> "is four";
                default -> "sure";
            };
        });
        Counting counting = new Counting(g);
        EvalContext ctx = context(counting, 8);
        List<Transcript> out = bf.answer(List.of(Q0, Q1), ctx);

        assertEquals(List.of(2, 2, 2, 2), counting.calls, "three thinking rounds and the answer, batched");
        int[] chat = prompts.template().encode(List.of(ChatMessage.user(ZeroShotCot.userMessage(ctx, Q0))), true);
        int[] wait = ids("\nWait");
        int[] a = ids("two and two");
        int[] b = ids("is four");
        int[] c = ids("sure");
        List<GenerationRequest> q0 = List.of(g.requests().get(0), g.requests().get(2), g.requests().get(4),
                g.requests().get(6));
        assertArrayEquals(chat, q0.get(0).promptIds());
        assertEquals(40, q0.get(0).params().maxNewTokens());
        assertArrayEquals(Batched.concat(chat, a, wait), q0.get(1).promptIds(), "stop id removed, Wait appended");
        assertEquals(40 - (a.length + 1), q0.get(1).params().maxNewTokens(), "what is left of the budget");
        assertArrayEquals(Batched.concat(chat, a, wait, b, wait), q0.get(2).promptIds());
        assertEquals(40 - (a.length + 1) - (b.length + 1), q0.get(2).params().maxNewTokens());
        int[] suffix = ids("\n\nFinal Answer: \\boxed{");
        assertArrayEquals(Batched.concat(chat, a, wait, b, wait, c, suffix), q0.get(3).promptIds(),
                "no third Wait: the forced continuations are used up");
        assertEquals(4, q0.get(3).params().maxNewTokens());

        Transcript t = out.get(0);
        assertEquals(2, t.waits());
        assertEquals(1, t.turns().size());
        assertEquals(a.length + b.length + c.length + 3 + ids("4}").length + 1, t.tokens());
        assertEquals(tok.decode(Batched.concat(a, wait, b, wait, c, suffix, ids("4}")), true), t.answerText());
        assertTrue(t.answerText().contains("Wait") && t.answerText().endsWith("Final Answer: \\boxed{4}"));
        assertTrue(Verifier.lenient().verify(Q0, t.answerText()).correct());
        assertFalse(Verifier.lenient().verify(Q1, out.get(1).answerText()).correct());
    }

    @Test
    void budgetForcingCutsTheThinkingAtTheBudget() {
        String longThought = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
        ScriptedGenerator g = scripted(p -> p.endsWith("\\boxed{") ? "4}" : longThought);
        BudgetForcing bf = BudgetForcing.defaults().withBudget(7).withMaxWaits(5);
        Transcript t = bf.answer(List.of(Q0), context(g, 8)).get(0);
        assertEquals(2, g.requests().size(), "one thinking round cut at the budget, then the answer");
        int[] thought = Arrays.copyOf(ids(longThought), 7);
        int[] chat = g.requests().get(0).promptIds();
        assertArrayEquals(Batched.concat(chat, thought, ids(BudgetForcing.DEFAULT_ANSWER_SUFFIX)),
                g.requests().get(1).promptIds());
        assertEquals(BudgetForcing.DEFAULT_ANSWER_TOKENS, g.requests().get(1).params().maxNewTokens());
        assertEquals(0, t.waits());
        assertEquals(7 + ids("4}").length + 1, t.tokens());

        ScriptedGenerator stopsLate = scripted(p -> p.endsWith("\\boxed{") ? "4}" : p.contains("Wait") ? longThought
                : "hmm");
        Transcript late = BudgetForcing.defaults().withBudget(ids("hmm").length + 1 + 3).withMaxWaits(5)
                .answer(List.of(Q0), context(stopsLate, 8)).get(0);
        assertEquals(3, stopsLate.requests().get(1).params().maxNewTokens(), "the continuation gets the rest");
        assertEquals(1, late.waits(), "cut at the budget: no second Wait");
        assertEquals(3, stopsLate.requests().size());
    }

    @Test
    void strategiesByName() {
        BudgetForcing bf = BudgetForcing.defaults().withBudget(99);
        assertEquals(List.of("zero-shot-cot", "self-verify", "self-correct", "budget-forcing", "training-prompt"),
                Strategy.names());
        for (String n : Strategy.names()) {
            assertEquals(n, Strategy.named(n, bf).name());
        }
        assertEquals(bf, Strategy.named("Budget-Forcing", bf));
        assertEquals(2048, BudgetForcing.defaults().budget());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Strategy.named("cot", bf));
        assertTrue(e.getMessage().contains("self-verify"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BudgetForcing.defaults().withBudget(0));
    }
}
