package dev.thinktune.tokenizer;

import java.util.List;
import java.util.Set;

/**
 * A chat template for tokenizers without chat tokens (base models, thinktune's own small models): the system
 * message as a paragraph, then question/answer turns, the way math problems are put to base models:
 * <pre>
 * {system}\n\n
 * Question: {user}\n
 * Answer: {assistant}\n\n
 * Question: {user}\n
 * Answer:                      (generation prompt; the reply starts with its own space)
 * </pre>
 * Contents are stripped of surrounding whitespace. BOS comes first when the tokenizer has one; the tokenizer's
 * EOS is the stop token. Roles other than system, user and assistant are refused.
 */
public final class PlainChatTemplate implements ChatTemplate {

    public static final String QUESTION = "Question: ";
    public static final String ANSWER = "Answer:";

    private final Tokenizer tokenizer;

    PlainChatTemplate(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            String content = UnicodeClasses.stripPython(m.content());
            switch (m.role()) {
                case "system" -> out.append(content).append("\n\n");
                case "user" -> out.append(QUESTION).append(content).append('\n');
                case "assistant" -> out.append(ANSWER).append(' ').append(content).append("\n\n");
                default -> throw new IllegalArgumentException("the plain chat template has no role " + quote(m.role())
                        + " (only system, user, assistant)");
            }
        }
        if (addGenerationPrompt) {
            out.append(ANSWER);
        }
        return out.toString();
    }

    @Override
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        int[] text = tokenizer.encode(render(messages, addGenerationPrompt), false);
        if (tokenizer.bosId().isEmpty()) {
            return text;
        }
        int[] out = new int[text.length + 1];
        out[0] = tokenizer.bosId().getAsInt();
        System.arraycopy(text, 0, out, 1, text.length);
        return out;
    }

    @Override
    public Set<Integer> stopIds() {
        return tokenizer.eosId().isPresent() ? Set.of(tokenizer.eosId().getAsInt()) : Set.of();
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }

    @Override
    public String toString() {
        return "plain Question/Answer chat template";
    }
}
