package dev.thinktune.tokenizer;

import java.util.List;
import java.util.Set;

/**
 * Turns a conversation into the token ids a model is prompted with, and says which ids end its reply.
 * {@link #forTokenizer} picks the Llama 3 template when the tokenizer has {@code <|start_header_id|>}, the plain
 * one otherwise.
 */
public sealed interface ChatTemplate permits Llama3ChatTemplate, PlainChatTemplate {

    /** The prompt text; with {@code addGenerationPrompt} it ends where the assistant's reply begins. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** The ids of the rendered prompt (special-token markers in it become the special tokens). */
    int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** The ids that end the assistant's reply. */
    Set<Integer> stopIds();

    /**
     * The template by name: {@code auto} (as {@link #forTokenizer}), {@code llama3} (needs the header tokens),
     * or {@code plain}.
     */
    static ChatTemplate named(String name, Tokenizer tokenizer) {
        return switch (name) {
            case "auto" -> forTokenizer(tokenizer);
            case "llama3" -> {
                if (tokenizer.tokenId(Llama3SpecialTokens.START_HEADER).isEmpty()) {
                    throw new IllegalArgumentException("chat template llama3 needs " + Llama3SpecialTokens.START_HEADER
                            + " in the tokenizer");
                }
                yield new Llama3ChatTemplate(tokenizer);
            }
            case "plain" -> new PlainChatTemplate(tokenizer);
            default -> throw new IllegalArgumentException("unknown chat template '" + name + "': auto, llama3 or plain");
        };
    }

    /** The template that fits the tokenizer. */
    static ChatTemplate forTokenizer(Tokenizer tokenizer) {
        if (tokenizer.tokenId(Llama3SpecialTokens.START_HEADER).isPresent()
                && tokenizer.tokenId(Llama3SpecialTokens.END_HEADER).isPresent()
                && tokenizer.tokenId(Llama3SpecialTokens.EOT).isPresent()) {
            return new Llama3ChatTemplate(tokenizer);
        }
        return new PlainChatTemplate(tokenizer);
    }
}
