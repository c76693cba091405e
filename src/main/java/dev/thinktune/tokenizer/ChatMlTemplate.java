package dev.thinktune.tokenizer;

import java.util.List;

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
public final class ChatMlTemplate extends MarkedChatTemplate {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** The Hugging Face chat template string of this rendering, written into generated tokenizers' configs. */
    public static final String JINJA = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    ChatMlTemplate(Tokenizer tokenizer) {
        super(tokenizer, List.of(IM_END, END_OF_TEXT));
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
    public java.util.OptionalInt endOfTurnId() {
        return tokenizer.tokenId(IM_END);
    }

    @Override
    public String toString() {
        return "ChatML chat template";
    }
}
