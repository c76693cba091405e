package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The turns that the chat strategies share: the zero-shot CoT question, and a follow-up on the first answer. */
final class Dialogue {
    private Dialogue() {
    }

    /** The first turn of every question: the zero-shot CoT user message, answered. */
    static List<Transcript.Turn> first(List<Example> questions, EvalContext ctx) {
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (Example e : questions) {
            conversations.add(List.of(ChatMessage.user(ZeroShotCot.userMessage(ctx, e))));
        }
        return turns(conversations, ctx, 0);
    }

    /**
     * The second turn: the first question, the first answer as the assistant's message, then the follow-up
     * {@code message} as the next user message.
     */
    static List<Transcript.Turn> followUp(List<Example> questions, EvalContext ctx, List<Transcript.Turn> first,
                                          Function<Example, String> message) {
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            Example e = questions.get(i);
            conversations.add(List.of(ChatMessage.user(ZeroShotCot.userMessage(ctx, e)),
                    ChatMessage.assistant(first.get(i).completion()), ChatMessage.user(message.apply(e))));
        }
        return turns(conversations, ctx, 1);
    }

    /**
     * Two-turn transcripts: the first turn, then the follow-up {@code message}; {@code pick} gives the final
     * completion of question {@code e} from its first and second turns.
     */
    static List<Transcript> twoTurns(List<Example> questions, EvalContext ctx, Function<Example, String> message,
                                     FinalCompletion pick) {
        List<Transcript.Turn> first = first(questions, ctx);
        List<Transcript.Turn> second = followUp(questions, ctx, first, message);
        List<Transcript> out = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            Example e = questions.get(i);
            out.add(new Transcript(i, e, List.of(first.get(i), second.get(i)),
                    pick.of(e, first.get(i).completion(), second.get(i).completion()), 0));
        }
        return out;
    }

    /** Which completion of a two-turn dialogue is the final answer. */
    @FunctionalInterface
    interface FinalCompletion {
        String of(Example example, String first, String second);
    }

    /** {@code text}, then the example's format instruction after a space when there is one. */
    static String withInstruction(EvalContext ctx, Example example, String text) {
        String instruction = ctx.formatInstruction(example);
        return text + (instruction.isEmpty() ? "" : " " + instruction);
    }

    private static List<Transcript.Turn> turns(List<List<ChatMessage>> conversations, EvalContext ctx, int turn) {
        List<int[]> ids = new ArrayList<>();
        List<SamplingParams> params = new ArrayList<>();
        for (int i = 0; i < conversations.size(); i++) {
            ids.add(ctx.encode(conversations.get(i)));
            params.add(ctx.params().withSeed(ctx.seed(i, turn)));
        }
        List<Completion> out = Batched.generate(ctx, ids, params);
        List<Transcript.Turn> turns = new ArrayList<>();
        for (int i = 0; i < conversations.size(); i++) {
            Completion c = out.get(i);
            turns.add(new Transcript.Turn(ctx.render(conversations.get(i)), ctx.decode(c.tokenIds()), c.length(),
                    c.finishReason()));
        }
        return turns;
    }
}
