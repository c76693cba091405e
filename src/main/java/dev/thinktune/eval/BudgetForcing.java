package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * s1's budget forcing (Muennighoff et al., 2025), on a chat model: the zero-shot CoT question, then a thinking
 * phase of at most {@code budget} generated tokens. Generation is cut at the budget; when the model stops early
 * (a stop id) before the budget, the stop id is removed, {@code waitText} ("Wait") is appended and the model
 * continues in the same assistant turn, at most {@code maxWaits} times. Then the final answer is forced: {@code
 * answerSuffix} (by default "Final Answer: \boxed{", so the forced answer is the response's last boxed one) is
 * appended and the model writes at most {@code answerTokens} more tokens. The answer is read from the whole
 * response (thinking, "Wait"s, suffix, forced answer).
 *
 * <p>The budget counts tokens the model generated (stop ids included); the forced text does not count toward
 * it. All questions think in batches: each round continues every question that is still thinking.
 *
 * @param budget       the most tokens the model generates while thinking (s1's thinking budget)
 * @param maxWaits     the most forced continuations per question (0 = never force the model to continue)
 * @param waitText     appended when the model stops early
 * @param answerSuffix appended after the thinking to force the final answer
 * @param answerTokens the most tokens of the forced answer
 */
public record BudgetForcing(int budget, int maxWaits, String waitText, String answerSuffix, int answerTokens)
        implements Strategy {
    public static final String NAME = "budget-forcing";
    public static final int DEFAULT_BUDGET = 2048;
    public static final int DEFAULT_MAX_WAITS = 2;
    public static final String DEFAULT_WAIT = "\nWait";
    public static final String DEFAULT_ANSWER_SUFFIX = "\n\nFinal Answer: \\boxed{";
    public static final int DEFAULT_ANSWER_TOKENS = 32;
    /** The seed turn of the forced answer (thinking rounds use turns 0 to maxWaits). */
    private static final int ANSWER_TURN = 1 << 20;

    public BudgetForcing {
        if (budget < 1) {
            throw new IllegalArgumentException("the thinking budget must be >= 1 token, got " + budget);
        }
        if (maxWaits < 0) {
            throw new IllegalArgumentException("forced continuations must be >= 0, got " + maxWaits);
        }
        Objects.requireNonNull(waitText, "waitText");
        Objects.requireNonNull(answerSuffix, "answerSuffix");
        if (answerTokens < 1) {
            throw new IllegalArgumentException("the forced answer needs >= 1 token, got " + answerTokens);
        }
    }

    /** The defaults: a 2,048-token budget, up to 2 "Wait"s, a 32-token forced answer. */
    public static BudgetForcing defaults() {
        return new BudgetForcing(DEFAULT_BUDGET, DEFAULT_MAX_WAITS, DEFAULT_WAIT, DEFAULT_ANSWER_SUFFIX,
                DEFAULT_ANSWER_TOKENS);
    }

    public BudgetForcing withBudget(int tokens) {
        return new BudgetForcing(tokens, maxWaits, waitText, answerSuffix, answerTokens);
    }

    public BudgetForcing withMaxWaits(int n) {
        return new BudgetForcing(budget, n, waitText, answerSuffix, answerTokens);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String prompt() {
        return "zero-shot CoT thinking within a token budget, \"Wait\" at an early stop, then a forced answer";
    }

    /** One question's thinking so far. */
    private static final class Thinking {
        final int[] prompt;
        final String promptText;
        int[] trace = new int[0];
        int generated;
        int waits;
        boolean done;

        Thinking(int[] prompt, String promptText) {
            this.prompt = prompt;
            this.promptText = promptText;
        }
    }

    @Override
    public List<Transcript> answer(List<Example> questions, EvalContext ctx) {
        int[] wait = ctx.prompts().tokenizer().encode(waitText, false);
        int[] suffix = ctx.prompts().tokenizer().encode(answerSuffix, false);
        List<Thinking> all = new ArrayList<>();
        for (Example e : questions) {
            List<ChatMessage> chat = List.of(ChatMessage.user(ZeroShotCot.userMessage(ctx, e)));
            all.add(new Thinking(ctx.encode(chat), ctx.render(chat)));
        }
        for (int round = 0; ; round++) {
            List<Integer> active = new ArrayList<>();
            List<int[]> prompts = new ArrayList<>();
            List<SamplingParams> params = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                Thinking t = all.get(i);
                if (!t.done) {
                    active.add(i);
                    prompts.add(Batched.concat(t.prompt, t.trace));
                    params.add(ctx.params().withSeed(ctx.seed(i, round)).withMaxNewTokens(budget - t.generated));
                }
            }
            if (active.isEmpty()) {
                break;
            }
            List<Completion> out = Batched.generate(ctx, prompts, params);
            for (int j = 0; j < active.size(); j++) {
                Thinking t = all.get(active.get(j));
                Completion c = out.get(j);
                t.generated += c.length();
                t.trace = Batched.concat(t.trace, Batched.withoutStop(c));
                boolean stoppedEarly = c.finishReason() != FinishReason.LENGTH && c.length() > 0;
                if (stoppedEarly && t.generated < budget && t.waits < maxWaits) {
                    t.trace = Batched.concat(t.trace, wait);
                    t.waits++;
                } else {
                    t.done = true;
                }
            }
        }
        List<int[]> prompts = new ArrayList<>();
        List<SamplingParams> params = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Thinking t = all.get(i);
            prompts.add(Batched.concat(t.prompt, t.trace, suffix));
            params.add(ctx.params().withSeed(ctx.seed(i, ANSWER_TURN)).withMaxNewTokens(answerTokens));
        }
        List<Completion> answers = Batched.generate(ctx, prompts, params);
        List<Transcript> transcripts = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Thinking t = all.get(i);
            Completion a = answers.get(i);
            String response = ctx.decode(Batched.concat(t.trace, suffix, a.tokenIds()));
            Transcript.Turn turn = new Transcript.Turn(t.promptText, response, t.generated + a.length(),
                    a.finishReason());
            transcripts.add(new Transcript(i, questions.get(i), List.of(turn), response, t.waits));
        }
        return transcripts;
    }
}
