package dev.thinktune.tokenizer;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The ChatML template of Qwen2 and Qwen2.5 ({@code tokenizer_config.json}'s {@code chat_template} with
 * {@code <|im_start|>}):
 * <pre>
 * &lt;|im_start|&gt;system\n{content}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n{content}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n                     (generation prompt)
 * </pre>
 * Contents are kept as they are (the Jinja template does not trim them) and encoded as ordinary text, special-token
 * markers inside them becoming the special tokens. No BOS is added (Qwen2 has none). The published templates also
 * insert a default system message when the conversation has none ("You are a helpful assistant.", Qwen2.5's
 * "You are Qwen, created by Alibaba Cloud. ...") and tool-calling parts; neither is produced here, so a prompt is
 * exactly the messages given. Stop ids: {@code <|im_end|>}, and {@code <|endoftext|>} where the tokenizer has it
 * (as in Qwen2.5-Instruct's {@code generation_config.json}).
 */
public final class ChatMlTemplate implements ChatTemplate {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** The Hugging Face chat template string of this rendering, written into generated tokenizers' configs. */
    public static final String JINJA = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;

    ChatMlTemplate(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        Set<Integer> stops = new LinkedHashSet<>();
        for (String name : List.of(IM_END, END_OF_TEXT)) {
            tokenizer.tokenId(name).ifPresent(stops::add);
        }
        this.stopIds = Collections.unmodifiableSet(stops);
    }

    /** Whether {@code tokenizer} has the ChatML markers. */
    static boolean fits(Tokenizer tokenizer) {
        return tokenizer.tokenId(IM_START).isPresent() && tokenizer.tokenId(IM_END).isPresent();
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            out.append(IM_START).append(m.role()).append('\n').append(m.content()).append(IM_END).append('\n');
        }
        if (addGenerationPrompt) {
            out.append(IM_START).append("assistant\n");
        }
        return out.toString();
    }

    @Override
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return tokenizer.encode(render(messages, addGenerationPrompt), false);
    }

    @Override
    public Set<Integer> stopIds() {
        return stopIds;
    }

    @Override
    public java.util.OptionalInt endOfTurnId() {
        return tokenizer.tokenId(IM_END);
    }

    @Override
    public String toString() {
        return "ChatML chat template";
    }
}
