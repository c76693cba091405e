package dev.thinktune.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.rollout.TopLogprobs;
import dev.thinktune.tokenizer.Tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Token log-probabilities in OpenAI's response shapes:
 * <ul>
 *   <li>chat: {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}],
 *       "refusal": null}};</li>
 *   <li>text completions: {@code {"tokens": [...], "token_logprobs": [...], "top_logprobs": [{token: logprob}],
 *       "text_offset": [...]}}, where each {@code top_logprobs} entry holds the k most likely tokens and the sampled
 *       one (so up to k + 1 entries, as OpenAI documents).</li>
 * </ul>
 * A token's text is its bytes as UTF-8; a token that is not whole UTF-8 (part of a character) is written as
 * OpenAI does, {@code bytes:\xNN...}, and its {@code bytes} give the exact bytes.
 */
final class LogprobsJson {
    private final Tokenizer tokenizer;
    private final JsonNodeFactory json = JsonNodeFactory.instance;

    LogprobsJson(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The chat {@code logprobs} object of {@code tokens}. */
    ObjectNode chat(List<TokenLogprob> tokens) {
        ObjectNode out = json.objectNode();
        ArrayNode content = out.putArray("content");
        for (TokenLogprob t : tokens) {
            ObjectNode entry = content.addObject();
            describe(entry, t.id(), t.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (int i = 0; i < t.top().size(); i++) {
                describe(top.addObject(), t.top().id(i), t.top().logprob(i));
            }
        }
        out.putNull("refusal");
        return out;
    }

    /** The text completion {@code logprobs} object of {@code tokens}. */
    ObjectNode completion(List<TokenLogprob> tokens) {
        ObjectNode out = json.objectNode();
        ArrayNode text = out.putArray("tokens");
        ArrayNode logprobs = out.putArray("token_logprobs");
        ArrayNode tops = out.putArray("top_logprobs");
        ArrayNode offsets = out.putArray("text_offset");
        for (TokenLogprob t : tokens) {
            text.add(text(t.id()));
            if (Float.isNaN(t.logprob())) {
                logprobs.addNull();
            } else {
                logprobs.add(t.logprob());
            }
            ObjectNode top = tops.addObject();
            TopLogprobs alternatives = t.top();
            for (int i = 0; i < alternatives.size(); i++) {
                top.put(text(alternatives.id(i)), alternatives.logprob(i));
            }
            putLogprob(top, text(t.id()), t.logprob());
            offsets.add(t.textOffset());
        }
        return out;
    }

    private void describe(ObjectNode entry, int id, float logprob) {
        entry.put("token", text(id));
        putLogprob(entry, "logprob", logprob);
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : tokenizer.tokenBytes(id)) {
            bytes.add(b & 0xff);
        }
    }

    /** A generator that does not report log-probs while streaming leaves them unknown: null. */
    private static void putLogprob(ObjectNode o, String field, float logprob) {
        if (Float.isNaN(logprob)) {
            o.putNull(field);
        } else {
            o.put(field, logprob);
        }
    }

    /** A token's text: its bytes as UTF-8, or {@code bytes:\xNN...} when they are not whole UTF-8. */
    String text(int id) {
        byte[] bytes = tokenizer.tokenBytes(id);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder("bytes:");
            for (byte b : bytes) {
                sb.append(String.format("\\x%02x", b & 0xff));
            }
            return sb.toString();
        }
    }
}
