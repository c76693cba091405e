package dev.thinktune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} request, its prompts already encoded.
 *
 * @param chat         a chat completion (messages) rather than a text completion (prompt)
 * @param prompts      the prompt ids, one entry per prompt (chat: exactly one)
 * @param n            continuations per prompt
 * @param maxTokens    the most tokens per continuation
 * @param temperature  sampling temperature (0: greedy)
 * @param topP         nucleus sampling mass
 * @param stop         stop strings (cut from the returned text)
 * @param seed         the sampler seed (random when the request gives none)
 * @param stream       answer as server-sent events
 * @param includeUsage streaming: send a last chunk with the token counts
 * @param promptTexts  text completions: each prompt's text (its length starts the text offsets); chat: empty
 * @param logprobs     return each token's log-probability (chat {@code logprobs: true}, completions
 *                     {@code logprobs: k})
 * @param topLogprobs  how many of the most likely tokens to return at each position (chat {@code top_logprobs},
 *                     completions {@code logprobs})
 */
record ApiRequest(boolean chat, List<int[]> prompts, int n, int maxTokens, double temperature, double topP,
                  List<String> stop, long seed, boolean stream, boolean includeUsage, List<String> promptTexts,
                  boolean logprobs, int topLogprobs) {

    /** OpenAI's limits: chat {@code top_logprobs} 0..20, text completions {@code logprobs} 0..5. */
    static final int MAX_CHAT_TOP_LOGPROBS = 20;
    static final int MAX_COMPLETION_LOGPROBS = 5;

    /** Reads and validates a request body; every refusal names the field at fault. */
    static ApiRequest parse(JsonNode body, boolean chat, Tokenizer tokenizer, ChatTemplate template,
                            OpenAiServer.Options limits) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        refuseUnsupported(body);
        List<String> promptTexts = chat ? List.of() : promptTexts(body);
        List<int[]> prompts = chat ? List.of(template.encode(messages(body), true)) : encode(promptTexts, tokenizer);
        int n = integer(body, "n", 1, 1, limits.maxN());
        JsonNode mt = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : null;
        int maxTokens = mt != null ? integerValue(mt, "max_completion_tokens", 1, limits.maxTokensLimit())
                : integer(body, "max_tokens", limits.defaultMaxTokens(), 1, limits.maxTokensLimit());
        double temperature = number(body, "temperature", 1.0, 0.0, 2.0);
        double topP = number(body, "top_p", 1.0, 0.0, 1.0);
        if (topP == 0) {
            throw ApiException.invalid("top_p", "top_p must be in (0, 1], got 0");
        }
        long seed = body.hasNonNull("seed") ? seed(body.get("seed")) : ThreadLocalRandom.current().nextLong();
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ApiException.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = bool(so, "include_usage", false);
        }
        boolean logprobs;
        int top;
        if (chat) {
            logprobs = bool(body, "logprobs", false);
            top = integer(body, "top_logprobs", 0, 0, MAX_CHAT_TOP_LOGPROBS);
            if (body.hasNonNull("top_logprobs") && !logprobs) {
                throw ApiException.invalid("top_logprobs", "top_logprobs needs \"logprobs\": true");
            }
        } else {
            JsonNode lp = body.get("logprobs");
            logprobs = lp != null && !lp.isNull();
            top = logprobs ? integerValue(lp, "logprobs", 0, MAX_COMPLETION_LOGPROBS) : 0;
        }
        return new ApiRequest(chat, prompts, n, maxTokens, temperature, topP, stops(body.get("stop")), seed, stream,
                includeUsage, promptTexts, logprobs, top);
    }

    /**
     * Refuses, naming the field, what this server would otherwise ignore: tool and function calling, response
     * formats other than text, and echoing the prompt.
     */
    private static void refuseUnsupported(JsonNode body) {
        for (String field : List.of("tools", "functions")) {
            if (body.hasNonNull(field)) {
                throw ApiException.invalid(field, field + " is not supported by this server (it has no tool or "
                        + "function calling); send the request without " + field);
            }
        }
        for (String field : List.of("tool_choice", "function_call")) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull() && !(v.isTextual() && v.asText().equals("none"))) {
                throw ApiException.invalid(field, field + " is not supported by this server (it has no tool or "
                        + "function calling); leave it out or send \"none\", got " + v);
            }
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull()
                && !(format.isObject() && format.size() == 1 && "text".equals(format.path("type").asText(null)))) {
            throw ApiException.invalid("response_format", "response_format " + format + " is not supported by this "
                    + "server: it writes free text only ({\"type\": \"text\"}); leave it out or send that");
        }
        JsonNode echo = body.get("echo");
        if (echo != null && !echo.isNull() && !(echo.isBoolean() && !echo.asBoolean())) {
            throw ApiException.invalid("echo", "echo is not supported by this server; to score a text's own tokens "
                    + "use `thinktune score`, got " + echo);
        }
    }

    /** The log-probs a generation request asks the engine for: 0 unless the response returns them. */
    int engineTopLogprobs() {
        return logprobs ? topLogprobs : 0;
    }

    /** The sampling parameters of this request, stopping at {@code stopIds}. */
    SamplingParams params(Set<Integer> stopIds) {
        return new SamplingParams(temperature, topP, 0, 0.0, maxTokens, stopIds, stop, seed);
    }

    private static List<ChatMessage> messages(JsonNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array of {role, content}");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual() || m.path("role").asText().isBlank()) {
                throw ApiException.invalid(where + ".role", where + " must be an object with a string role");
            }
            out.add(new ChatMessage(m.get("role").asText(), content(m.get("content"), where + ".content")));
        }
        return out;
    }

    /** A message content: a string, null (empty), or an array of {type: text, text} parts. */
    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(where, where + ": only text parts ({\"type\": \"text\", \"text\": ...}) "
                            + "are supported");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid(where, where + " must be a string or an array of text parts");
    }

    private static List<String> promptTexts(JsonNode body) {
        JsonNode p = body.get("prompt");
        List<String> texts = new ArrayList<>();
        if (p != null && p.isTextual()) {
            texts.add(p.asText());
        } else if (p != null && p.isArray() && !p.isEmpty()) {
            for (JsonNode t : p) {
                if (!t.isTextual()) {
                    throw ApiException.invalid("prompt", "prompt must be a string or an array of strings");
                }
                texts.add(t.asText());
            }
        } else {
            throw ApiException.invalid("prompt", "prompt must be a string or a non-empty array of strings");
        }
        return List.copyOf(texts);
    }

    private static List<int[]> encode(List<String> texts, Tokenizer tokenizer) {
        List<int[]> out = new ArrayList<>();
        for (String t : texts) {
            int[] ids = tokenizer.encode(t, true);
            if (ids.length == 0) {
                throw ApiException.invalid("prompt", "the prompt is empty");
            }
            out.add(ids);
        }
        return out;
    }

    private static List<String> stops(JsonNode s) {
        if (s == null || s.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            for (JsonNode t : s) {
                if (!t.isTextual()) {
                    throw ApiException.invalid("stop", "stop must be a string or an array of strings");
                }
                out.add(t.asText());
            }
        } else {
            throw ApiException.invalid("stop", "stop must be a string or an array of strings");
        }
        if (out.size() > 4) {
            throw ApiException.invalid("stop", "at most 4 stop strings, got " + out.size());
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("stop", "stop strings must not be empty");
        }
        return List.copyOf(new LinkedHashSet<>(out));
    }

    private static int integer(JsonNode body, String field, int dflt, int min, int max) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? dflt : integerValue(v, field, min, max);
    }

    private static int integerValue(JsonNode v, String field, int min, int max) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid(field, field + " must be an integer in [" + min + ", " + max + "], got " + v);
        }
        return v.asInt();
    }

    private static double number(JsonNode body, String field, double dflt, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max)) {
            throw ApiException.invalid(field, field + " must be a number in [" + min + ", " + max + "], got " + v);
        }
        return v.asDouble();
    }

    private static boolean bool(JsonNode body, String field, boolean dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(field, field + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static long seed(JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid("seed", "seed must be an integer, got " + v);
        }
        return v.asLong();
    }

    static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        Set<Integer> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }
}
