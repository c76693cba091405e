package dev.thinktune.tokenizer;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A chat template whose turns are delimited by special tokens (Llama 3's headers, ChatML's {@code <|im_start|>}):
 * the rendered text is encoded as it is, markers becoming their special tokens, and the reply ends at whichever of
 * the template's stop tokens the tokenizer has.
 */
abstract sealed class MarkedChatTemplate implements ChatTemplate permits ChatMlTemplate, Llama3ChatTemplate {
    final Tokenizer tokenizer;
    private final Set<Integer> stopIds;

    MarkedChatTemplate(Tokenizer tokenizer, List<String> stopTokens) {
        this.tokenizer = tokenizer;
        Set<Integer> stops = new LinkedHashSet<>();
        for (String name : stopTokens) {
            tokenizer.tokenId(name).ifPresent(stops::add);
        }
        this.stopIds = Collections.unmodifiableSet(stops);
    }

    @Override
    public final int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return tokenizer.encode(render(messages, addGenerationPrompt), false);
    }

    @Override
    public final Set<Integer> stopIds() {
        return stopIds;
    }
}
