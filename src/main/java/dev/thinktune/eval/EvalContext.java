package dev.thinktune.eval;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link Strategy} answers with: the model (any {@link Generator}), the model's prompts (tokenizer, chat
 * template, question formatter, system prompt) and how to sample.
 *
 * @param generator         the model; every turn of every question goes through its batched {@code generate}
 * @param prompts           the model's tokenizer, chat template, question formatter and system prompt
 * @param params            sampling of every turn: temperature, nucleus, stop ids, the longest answer per turn;
 *                          its seed is the run's seed, from which each question's and turn's seed is derived
 * @param batchSize         questions per {@code generate} call
 * @param maxSequenceLength the longest prompt + continuation the generator accepts (0 = no limit): a turn's
 *                          token limit is shortened to fit, and a prompt with no room left gets an empty answer
 */
public record EvalContext(Generator generator, PromptEncoder prompts, SamplingParams params, int batchSize,
                          int maxSequenceLength) {

    public EvalContext {
        Objects.requireNonNull(generator, "generator");
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(params, "params");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (maxSequenceLength < 0) {
            throw new IllegalArgumentException("max sequence length must be >= 0, got " + maxSequenceLength);
        }
    }

    /** This context with another run seed (one per evaluated seed). */
    public EvalContext withSeed(long seed) {
        return new EvalContext(generator, prompts, params.withSeed(seed), batchSize, maxSequenceLength);
    }

    /**
     * The sampling seed of turn {@code turn} of question {@code question} (its index in the benchmark): a mix of
     * the run seed, the question and the turn, so a question's answers do not depend on the batch it is in or on
     * the other questions.
     */
    public long seed(int question, int turn) {
        return mix(mix(mix(params.seed()) ^ question) ^ (turn * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    /** The task instruction of {@code example}'s answer type (e.g. "Put your final answer within \boxed{}."). */
    public String formatInstruction(Example example) {
        return prompts.formatter().instruction(example).strip();
    }

    /** The question with its choices, without any instruction. */
    public String questionText(Example example) {
        return PromptFormatter.questionOnly().render(example);
    }

    /** The conversation as the model sees it: the system prompt (if any) and then {@code messages}. */
    public List<ChatMessage> conversation(List<ChatMessage> messages) {
        List<ChatMessage> all = new ArrayList<>();
        if (!prompts.systemPrompt().isEmpty()) {
            all.add(ChatMessage.system(prompts.systemPrompt()));
        }
        all.addAll(messages);
        return all;
    }

    /** The ids of {@code messages} (after the system prompt) with the assistant's turn opened. */
    public int[] encode(List<ChatMessage> messages) {
        return prompts.template().encode(conversation(messages), true);
    }

    /** The text of {@code messages} (after the system prompt) with the assistant's turn opened. */
    public String render(List<ChatMessage> messages) {
        return prompts.template().render(conversation(messages), true);
    }

    /** The text of generated ids, special tokens (the stop id) left out. */
    public String decode(int[] ids) {
        return prompts.tokenizer().decode(ids, true);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
