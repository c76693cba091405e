package dev.thinktune.rollout;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a question into the prompt the student answers: the formatted question (with its instruction) as the
 * user turn of the chat template, the assistant turn left open.
 */
public final class PromptEncoder {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final PromptFormatter formatter;
    private final String systemPrompt;

    public PromptEncoder(Tokenizer tokenizer, ChatTemplate template, PromptFormatter formatter, String systemPrompt) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.formatter = formatter;
        this.systemPrompt = systemPrompt == null ? "" : systemPrompt;
    }

    /** A prompt as text and ids. */
    public record Prompt(String text, int[] ids) {
    }

    public Prompt encode(Example example) {
        return encode(formatter.render(example));
    }

    /** The prompt for a user message as it is. */
    public Prompt encode(String userMessage) {
        List<ChatMessage> messages = new ArrayList<>();
        if (!systemPrompt.isEmpty()) {
            messages.add(ChatMessage.system(systemPrompt));
        }
        messages.add(ChatMessage.user(userMessage));
        return new Prompt(userMessage, template.encode(messages, true));
    }

    /** The ids that end a response: the template's stop ids and the tokenizer's end-of-sequence. */
    public Set<Integer> stopIds(List<Integer> modelEos) {
        Set<Integer> s = new HashSet<>(template.stopIds());
        s.addAll(modelEos);
        return Set.copyOf(s);
    }

    /**
     * The id that ends an assistant turn: the template's own ({@code <|im_end|>} with ChatML), else
     * {@code <|eot_id|>} where the tokenizer has it (Llama 3), else the tokenizer's end-of-sequence id.
     */
    public int endOfTurnId() {
        java.util.OptionalInt own = template.endOfTurnId();
        if (own.isPresent()) {
            return own.getAsInt();
        }
        return tokenizer.tokenId("<|eot_id|>").orElseGet(() -> tokenizer.eosId().orElseThrow(
                () -> new IllegalStateException("the tokenizer has no end-of-turn or end-of-sequence token")));
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    /** How questions are rendered as user messages (question, choices, task instruction). */
    public PromptFormatter formatter() {
        return formatter;
    }

    /** The system message put before every conversation; empty = none. */
    public String systemPrompt() {
        return systemPrompt;
    }
}
