package dev.thinktune.tokenizer;

import java.util.List;
import java.util.Set;

/**
 * Turns a conversation into the token ids a model is prompted with, and says which ids end its reply.
 * {@link #forTokenizer} picks ChatML (Qwen2) when the tokenizer has {@code <|im_start|>} and {@code <|im_end|>}, the
 * Llama 3 template when it has {@code <|start_header_id|>}, the plain one otherwise.
 */
public sealed interface ChatTemplate permits MarkedChatTemplate, PlainChatTemplate {

    /** The prompt text; with {@code addGenerationPrompt} it ends where the assistant's reply begins. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** The ids of the rendered prompt (special-token markers in it become the special tokens). */
    int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** The ids that end the assistant's reply. */
    Set<Integer> stopIds();

    /** The token that closes a turn, where the template has one of its own ({@code <|im_end|>} for ChatML). */
    default java.util.OptionalInt endOfTurnId() {
        return java.util.OptionalInt.empty();
    }

    /**
     * The template by name: {@code auto} (as {@link #forTokenizer}), {@code chatml} (needs {@code <|im_start|>}
     * and {@code <|im_end|>}), {@code llama3} (needs the header tokens), or {@code plain}.
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
            case "chatml" -> {
                if (!ChatMlTemplate.fits(tokenizer)) {
                    throw new IllegalArgumentException("chat template chatml needs " + ChatMlTemplate.IM_START + " and "
                            + ChatMlTemplate.IM_END + " in the tokenizer");
                }
                yield new ChatMlTemplate(tokenizer);
            }
            case "plain" -> new PlainChatTemplate(tokenizer);
            default -> throw new IllegalArgumentException("unknown chat template '" + name + "': " + NAMES);
        };
    }

    /** The names {@link #named} takes. */
    String NAMES = "auto, chatml, llama3 or plain";

    /** The template that fits the tokenizer: the one whose special tokens it has (a Qwen2 or a Llama 3 tokenizer). */
    static ChatTemplate forTokenizer(Tokenizer tokenizer) {
        if (ChatMlTemplate.fits(tokenizer)) {
            return new ChatMlTemplate(tokenizer);
        }
        if (tokenizer.tokenId(Llama3SpecialTokens.START_HEADER).isPresent()
                && tokenizer.tokenId(Llama3SpecialTokens.END_HEADER).isPresent()
                && tokenizer.tokenId(Llama3SpecialTokens.EOT).isPresent()) {
            return new Llama3ChatTemplate(tokenizer);
        }
        return new PlainChatTemplate(tokenizer);
    }
}
