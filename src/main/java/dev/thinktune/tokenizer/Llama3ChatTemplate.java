package dev.thinktune.tokenizer;

import java.util.List;

/**
 * The Llama 3 Instruct chat template, as in Meta-Llama-3-8B-Instruct's {@code tokenizer_config.json}
 * ({@link #JINJA}):
 * <pre>
 * &lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;system&lt;|end_header_id|&gt;\n\n{content, stripped}&lt;|eot_id|&gt;
 * &lt;|start_header_id|&gt;user&lt;|end_header_id|&gt;\n\n{content, stripped}&lt;|eot_id|&gt;
 * &lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n        (generation prompt)
 * </pre>
 * (without the line breaks shown here). Content is stripped of surrounding whitespace (Jinja's {@code trim}) and
 * encoded as ordinary text, with special-token markers inside it becoming the special tokens, as Hugging Face's
 * {@code apply_chat_template} followed by {@code encode(add_special_tokens=False)} does. This is the Llama 3.0
 * form: the Llama 3.1+ templates also add a "Cutting Knowledge Date" system header and tool-calling parts, which
 * are not produced here. Stop ids: {@code <|eot_id|>}, and {@code <|end_of_text|>} and {@code <|eom_id|>} where the
 * tokenizer has them (as in Llama 3.x's {@code generation_config.json}).
 */
public final class Llama3ChatTemplate extends MarkedChatTemplate {

    /** The Hugging Face chat template string of Llama 3 Instruct, written into trained tokenizers' configs. */
    public static final String JINJA = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
            + "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
            + "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    private final String bos;

    Llama3ChatTemplate(Tokenizer tokenizer) {
        super(tokenizer, List.of(Llama3SpecialTokens.EOT, Llama3SpecialTokens.END_OF_TEXT, "<|eom_id|>"));
        this.bos = tokenizer.tokenId(Llama3SpecialTokens.BEGIN_OF_TEXT).isPresent()
                ? Llama3SpecialTokens.BEGIN_OF_TEXT : "";
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (i == 0) {
                out.append(bos);
            }
            out.append(Llama3SpecialTokens.START_HEADER).append(m.role()).append(Llama3SpecialTokens.END_HEADER)
                    .append("\n\n").append(UnicodeClasses.stripPython(m.content())).append(Llama3SpecialTokens.EOT);
        }
        if (addGenerationPrompt) {
            out.append(Llama3SpecialTokens.START_HEADER).append("assistant").append(Llama3SpecialTokens.END_HEADER)
                    .append("\n\n");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "Llama 3 chat template";
    }
}
