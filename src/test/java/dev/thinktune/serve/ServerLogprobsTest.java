package dev.thinktune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.thinktune.cli.ScoreCommand;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Log-probabilities through the OpenAI-compatible server, served from a model directory: every returned token's
 * log-probability equals what {@code thinktune score} (the SameDiff graph) gives the same ids, the alternatives are
 * the most likely tokens in order, streamed chunks carry exactly the tokens of their text, and what the server
 * does not support is refused by name.
 */
@Timeout(120)
class ServerLogprobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.user("What is 2 + 2?"));
    private static final String CHAT = "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 2 + 2?\"}]";

    @TempDir
    static Path model;
    private static Tokenizer tok;
    private static ChatTemplate template;
    private static Map<String, Integer> idsByBytes;
    private static RolloutEngine engine;
    private static OpenAiServer server;

    @BeforeAll
    static void start() throws IOException {
        HfCheckpoint.save(model, TestModels.tinyLlama3Widened(1024));
        Files.copy(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        tok = TestModels.fixtureTokenizer();
        template = ChatTemplate.forTokenizer(tok);
        idsByBytes = new HashMap<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            idsByBytes.putIfAbsent(Arrays.toString(tok.tokenBytes(id)), id);
        }
        engine = RolloutEngine.create(model, RolloutEngine.Options.defaults().withThreads(2).withTokenizer(tok));
        server = new OpenAiServer(engine, tok, template, "tiny");
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    // ---- helpers ----

    private static HttpResponse<String> post(OpenAiServer s, String path, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode ok(String path, String body) throws IOException {
        HttpResponse<String> r = post(server, path, body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The data of each event of a stream, [DONE] left out. */
    private static List<JsonNode> events(String path, String body) throws IOException {
        HttpResponse<String> r = post(server, path, body);
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> out = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (!block.isBlank() && !block.equals("data: [DONE]")) {
                out.add(JSON.readTree(block.substring("data: ".length())));
            }
        }
        return out;
    }

    /** A returned token's id, from its bytes (the test tokenizer's tokens all differ in their bytes). */
    private static int id(JsonNode bytes) {
        byte[] b = new byte[bytes.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes.get(i).asInt();
        }
        Integer id = idsByBytes.get(Arrays.toString(b));
        assertTrue(id != null, "no token has the bytes " + bytes);
        return id;
    }

    /** {@code thinktune score --ids} on the model directory: log p(ids[t] | ids[..t]), t >= 1. */
    private static double[] score(int[] ids) throws IOException {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ScoreCommand());
        cli.setOut(new PrintWriter(out, true));
        String joined = String.join(",", Arrays.stream(ids).mapToObj(String::valueOf).toList());
        assertEquals(0, cli.execute("--model", model.toString(), "--ids", joined));
        JsonNode lp = JSON.readTree(out.toString()).path("logprobs");
        double[] v = new double[lp.size()];
        for (int i = 1; i < v.length; i++) {
            v[i] = lp.get(i).asDouble();
        }
        return v;
    }

    /** A token as OpenAI writes it: its text, or {@code bytes:\xNN} when its bytes are not whole UTF-8. */
    private static String tokenText(int id) {
        byte[] b = tok.tokenBytes(id);
        String text = new String(b, StandardCharsets.UTF_8);
        if (Arrays.equals(b, text.getBytes(StandardCharsets.UTF_8))) {
            return text;
        }
        StringBuilder sb = new StringBuilder("bytes:");
        for (byte x : b) {
            sb.append(String.format("\\x%02x", x & 0xff));
        }
        return sb.toString();
    }

    private static int[] concat(int[] a, List<Integer> b) {
        int[] out = Arrays.copyOf(a, a.length + b.size());
        for (int i = 0; i < b.size(); i++) {
            out[a.length + i] = b.get(i);
        }
        return out;
    }

    private static String utf8(JsonNode content) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (JsonNode t : content) {
            for (JsonNode b : t.path("bytes")) {
                bytes.write(b.asInt());
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    // ---- chat ----

    @Test
    void chatLogprobsEqualScoreOnTheSameIdsAndTopLogprobsAreTheMostLikelyInOrder() throws IOException {
        String body = CHAT + ", \"max_tokens\": 8, \"temperature\": 0.9, \"top_p\": 0.95, \"seed\": 11, \"n\": 2, "
                + "\"logprobs\": true, \"top_logprobs\": 4}";
        JsonNode r = ok("/v1/chat/completions", body);
        int[] prompt = template.encode(MESSAGES, true);
        for (JsonNode choice : r.path("choices")) {
            JsonNode content = choice.path("logprobs").path("content");
            assertTrue(choice.path("logprobs").has("refusal"), choice.toString());
            assertFalse(content.isEmpty(), choice.toString());
            assertEquals(choice.path("message").path("content").asText(), utf8(content), "the tokens spell the text");
            List<Integer> ids = new ArrayList<>();
            content.forEach(t -> ids.add(id(t.path("bytes"))));
            double[] score = score(concat(prompt, ids));
            for (int j = 0; j < ids.size(); j++) {
                JsonNode t = content.get(j);
                double lp = t.path("logprob").asDouble();
                assertEquals(score[prompt.length + j], lp, 1e-4, "token " + j + " against score: " + t);
                assertEquals(tokenText(ids.get(j)), t.path("token").asText());
                JsonNode top = t.path("top_logprobs");
                assertEquals(4, top.size(), t.toString());
                for (int i = 0; i < top.size(); i++) {
                    double alt = top.get(i).path("logprob").asDouble();
                    assertTrue(i == 0 || alt <= top.get(i - 1).path("logprob").asDouble(), "descending: " + top);
                    if (id(top.get(i).path("bytes")) == ids.get(j)) {
                        assertEquals(lp, alt, 0.0, "the sampled token among the alternatives");
                    }
                    assertEquals(tokenText(id(top.get(i).path("bytes"))), top.get(i).path("token").asText());
                }
                assertTrue(lp <= top.get(0).path("logprob").asDouble(), "nothing is likelier than the first");
            }
            // the first alternative of a position is what greedy decoding takes there: score agrees it is likelier
            int[] greedyStep = concat(prompt, List.of(id(content.get(0).path("top_logprobs").get(0).path("bytes"))));
            assertEquals(content.get(0).path("top_logprobs").get(0).path("logprob").asDouble(),
                    score(greedyStep)[prompt.length], 1e-4);
        }
    }

    @Test
    void aStreamedChatCarriesEachTokensLogprobsWithItsTextAndTheSameAsWhole() throws IOException {
        String body = CHAT + ", \"max_tokens\": 10, \"temperature\": 1.0, \"seed\": 3, \"logprobs\": true, "
                + "\"top_logprobs\": 2";
        JsonNode whole = ok("/v1/chat/completions", body + "}").path("choices").path(0);
        ArrayNode streamed = JSON.createArrayNode();
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events("/v1/chat/completions", body + ", \"stream\": true}")) {
            JsonNode c = e.path("choices").path(0);
            String piece = c.path("delta").path("content").asText("");
            JsonNode tokens = c.path("logprobs").path("content");
            if (!piece.isEmpty()) {
                assertFalse(tokens.isEmpty(), "a chunk with text carries its tokens: " + e);
                assertTrue(utf8(tokens).length() > 0 && piece.startsWith(utf8(tokens).substring(0, 1))
                        || piece.equals(utf8(tokens)), "the chunk's tokens begin its text: " + e);
            } else {
                assertTrue(c.path("logprobs").isNull() || tokens.isEmpty(), e.toString());
            }
            text.append(piece);
            tokens.forEach(streamed::add);
        }
        assertEquals(whole.path("message").path("content").asText(), text.toString());
        assertEquals(whole.path("logprobs").path("content"), streamed);
    }

    @Test
    void withoutLogprobsTheFieldIsNull() throws IOException {
        JsonNode c = ok("/v1/chat/completions", CHAT + ", \"max_tokens\": 2, \"seed\": 1}").path("choices").path(0);
        assertTrue(c.has("logprobs") && c.path("logprobs").isNull(), c.toString());
        JsonNode zero = ok("/v1/chat/completions", CHAT + ", \"max_tokens\": 2, \"seed\": 1, \"logprobs\": true}");
        JsonNode first = zero.path("choices").path(0).path("logprobs").path("content").path(0);
        assertTrue(first.path("top_logprobs").isArray() && first.path("top_logprobs").isEmpty(), first.toString());
    }

    // ---- text completions ----

    @Test
    void completionLogprobsEqualScoreWithOffsetsAfterThePrompt() throws IOException {
        String prompt = "2 + 2 =";
        String body = "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 8, \"temperature\": 1.0, \"seed\": 5, "
                + "\"logprobs\": 3";
        JsonNode choice = ok("/v1/completions", body + "}").path("choices").path(0);
        JsonNode lp = choice.path("logprobs");
        JsonNode tokens = lp.path("tokens");
        assertFalse(tokens.isEmpty(), choice.toString());
        List<Integer> ids = new ArrayList<>();
        StringBuilder spelled = new StringBuilder();
        int offset = prompt.length();
        for (int j = 0; j < tokens.size(); j++) {
            String t = tokens.get(j).asText();
            assertEquals(offset, lp.path("text_offset").get(j).asInt(), "offset of token " + j);
            offset += t.codePointCount(0, t.length());
            spelled.append(t);
            ids.add(tok.tokenId(tok.token(tok.encode(t, false)[0])).orElseThrow());
        }
        assertEquals(choice.path("text").asText(), spelled.toString());
        int[] promptIds = tok.encode(prompt, true);
        // the ids the tokens came from: re-encoding each token's text gives it back for this tokenizer's ordinary
        // tokens; a failure here would mean the test cannot name the ids, not that the server is wrong
        for (int j = 0; j < tokens.size(); j++) {
            assertEquals(1, tok.encode(tokens.get(j).asText(), false).length, "token " + j + " is one token");
        }
        double[] score = score(concat(promptIds, ids));
        for (int j = 0; j < ids.size(); j++) {
            double got = lp.path("token_logprobs").get(j).asDouble();
            assertEquals(score[promptIds.length + j], got, 1e-4, "token " + j);
            JsonNode top = lp.path("top_logprobs").get(j);
            assertTrue(top.size() == 3 || top.size() == 4, "k most likely and the sampled one: " + top);
            assertEquals(got, top.path(tokens.get(j).asText()).asDouble(), 0.0, top.toString());
            Iterator<Map.Entry<String, JsonNode>> it = top.fields();
            double max = Double.NEGATIVE_INFINITY;
            while (it.hasNext()) {
                max = Math.max(max, it.next().getValue().asDouble());
            }
            assertTrue(got <= max, top.toString());
        }
        // streamed: the same tokens, chunk by chunk
        List<String> streamed = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (JsonNode e : events("/v1/completions", body + ", \"stream\": true}")) {
            JsonNode l = e.path("choices").path(0).path("logprobs");
            l.path("tokens").forEach(t -> streamed.add(t.asText()));
            l.path("text_offset").forEach(t -> offsets.add(t.asInt()));
        }
        List<String> whole = new ArrayList<>();
        tokens.forEach(t -> whole.add(t.asText()));
        List<Integer> wholeOffsets = new ArrayList<>();
        lp.path("text_offset").forEach(t -> wholeOffsets.add(t.asInt()));
        assertEquals(whole, streamed);
        assertEquals(wholeOffsets, offsets);
    }

    // ---- stop strings, on a scripted reply whose tokens are known ----

    @Test
    void aStopStringCutsTheTokensWithTheText() throws IOException {
        int[] reply = tok.encode("Hello there, friend.", false);
        try (OpenAiServer s = new OpenAiServer(ScriptedGenerator.replying(reply), tok, template, "scripted")) {
            s.start();
            JsonNode whole = JSON.readTree(post(s, "/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 0}").body());
            JsonNode all = whole.path("choices").path(0).path("logprobs").path("tokens");
            assertEquals(reply.length, all.size(), whole.toString());
            assertEquals(1, whole.path("choices").path(0).path("logprobs").path("top_logprobs").get(0).size());
            for (String stop : List.of(", fr", "ere", "Hello")) {
                String body = "{\"prompt\": \"x\", \"logprobs\": 1, \"stop\": \"" + stop + "\"";
                JsonNode c = JSON.readTree(post(s, "/v1/completions", body + "}").body()).path("choices").path(0);
                String text = c.path("text").asText();
                assertEquals("Hello there, friend.".substring(0, "Hello there, friend.".indexOf(stop)), text);
                StringBuilder spelled = new StringBuilder();
                c.path("logprobs").path("tokens").forEach(t -> spelled.append(t.asText()));
                assertTrue(spelled.toString().startsWith(text), stop + ": " + c);
                int n = c.path("logprobs").path("tokens").size();
                assertTrue(n == 0 || spelled.length() - all.get(n - 1).asText().length() < text.length(),
                        "no token wholly past the cut: " + c);
                List<String> streamed = new ArrayList<>();
                HttpResponse<String> r = post(s, "/v1/completions", body + ", \"stream\": true}");
                for (String block : r.body().split("\n\n")) {
                    if (block.startsWith("data: {")) {
                        JSON.readTree(block.substring(6)).path("choices").path(0).path("logprobs").path("tokens")
                                .forEach(t -> streamed.add(t.asText()));
                    }
                }
                List<String> expected = new ArrayList<>();
                c.path("logprobs").path("tokens").forEach(t -> expected.add(t.asText()));
                assertEquals(expected, streamed, stop);
            }
        }
    }

    // ---- refusals ----

    private static void assertRefused(String path, String body, String param) throws IOException {
        HttpResponse<String> r = post(server, path, body);
        assertEquals(400, r.statusCode(), body + " -> " + r.body());
        JsonNode err = JSON.readTree(r.body()).path("error");
        assertEquals("invalid_request_error", err.path("type").asText(), r.body());
        assertEquals(param, err.path("param").asText(), r.body());
        assertTrue(err.path("message").asText().contains(param), r.body());
    }

    @Test
    void outOfRangeLogprobsAndUnsupportedFeaturesAreRefusedByName() throws IOException {
        String chat = "/v1/chat/completions", text = "/v1/completions";
        assertRefused(chat, CHAT + ", \"logprobs\": true, \"top_logprobs\": 21}", "top_logprobs");
        assertRefused(chat, CHAT + ", \"logprobs\": true, \"top_logprobs\": -1}", "top_logprobs");
        assertRefused(chat, CHAT + ", \"top_logprobs\": 3}", "top_logprobs");
        assertRefused(chat, CHAT + ", \"logprobs\": 3}", "logprobs");
        assertRefused(text, "{\"prompt\": \"x\", \"logprobs\": 6}", "logprobs");
        assertRefused(text, "{\"prompt\": \"x\", \"logprobs\": true}", "logprobs");
        assertRefused(text, "{\"prompt\": \"x\", \"echo\": true}", "echo");
        String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"add\", \"parameters\": {}}}]";
        assertRefused(chat, CHAT + ", \"tools\": " + tools + "}", "tools");
        assertRefused(chat, CHAT + ", \"tool_choice\": \"auto\"}", "tool_choice");
        assertRefused(chat, CHAT + ", \"functions\": [{\"name\": \"add\"}]}", "functions");
        assertRefused(chat, CHAT + ", \"function_call\": \"auto\"}", "function_call");
        assertRefused(chat, CHAT + ", \"response_format\": {\"type\": \"json_object\"}}", "response_format");
        assertRefused(chat, CHAT + ", \"response_format\": {\"type\": \"json_schema\", \"json_schema\": "
                + "{\"name\": \"x\", \"schema\": {}}}}", "response_format");
        ok(chat, CHAT + ", \"max_tokens\": 1, \"response_format\": {\"type\": \"text\"}, \"tool_choice\": \"none\"}");
        ok(chat, CHAT + ", \"max_tokens\": 1, \"logprobs\": false, \"top_logprobs\": null}");
        ok(text, "{\"prompt\": \"x\", \"max_tokens\": 1, \"logprobs\": 5, \"echo\": false}");
    }
}
