package dev.thinktune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI-compatible server over a scripted generator (and once over the tiny fixture model). */
@Timeout(60)
class OpenAiServerTest {

    private static final String REPLY = "Hello there, friend.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static Tokenizer tok;
    private static ChatTemplate template;
    private static int eot;
    private static int[] replyIds;
    private static ScriptedGenerator scripted;
    private static OpenAiServer server;

    @BeforeAll
    static void start() {
        tok = TestModels.fixtureTokenizer();
        template = ChatTemplate.forTokenizer(tok);
        eot = tok.tokenId("<|eot_id|>").orElseThrow();
        int[] text = tok.encode(REPLY, false);
        replyIds = Arrays.copyOf(text, text.length + 1);
        replyIds[text.length] = eot;
        scripted = new ScriptedGenerator(r -> {
            if (r.promptIds().length > 2000) {
                throw new IllegalArgumentException("prompt of " + r.promptIds().length + " tokens is too long");
            }
            return replyIds;
        });
        server = new OpenAiServer(scripted, tok, template, "scripted");
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private record Reply(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The data of each server-sent event, in order. */
        List<String> events() {
            List<String> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (!block.isBlank()) {
                    assertTrue(block.startsWith("data: "), "event line: " + block);
                    out.add(block.substring(6));
                }
            }
            return out;
        }
    }

    private static Reply call(OpenAiServer s, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static Reply post(String path, String body) {
        return call(server, "POST", path, body);
    }

    private static GenerationRequest lastRequest() {
        return scripted.requests().get(scripted.requests().size() - 1);
    }

    private static final String CHAT = "{\"model\": \"scripted\", \"messages\": [{\"role\": \"system\", \"content\": "
            + "\"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi!\"}]";
    private static final List<ChatMessage> CHAT_MESSAGES = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi!"));

    @Test
    void modelsListsTheServedModel() {
        Reply r = call(server, "GET", "/v1/models", null);
        assertEquals(200, r.status);
        assertEquals("application/json", r.contentType);
        JsonNode j = r.json();
        assertEquals("list", j.path("object").asText());
        assertEquals(1, j.path("data").size());
        assertEquals("scripted", j.path("data").path(0).path("id").asText());
        assertEquals("model", j.path("data").path(0).path("object").asText());
        assertEquals("scripted", call(server, "GET", "/v1/models/scripted", null).json().path("id").asText());
        assertEquals(404, call(server, "GET", "/v1/models/gpt-4", null).status);
    }

    @Test
    void anUnknownModelNameGets404ModelNotFoundAsFromOpenAi() {
        int before = scripted.requests().size();
        Reply r = post("/v1/chat/completions", CHAT.replace("\"scripted\"", "\"gpt-4o\"") + "}");
        assertError(r, 404, "model");
        assertEquals("model_not_found", r.json().path("error").path("code").asText());
        assertTrue(r.json().path("error").path("message").asText().contains("gpt-4o"), r.body);
        Reply listed = call(server, "GET", "/v1/models/gpt-4o", null);
        assertError(listed, 404, "model");
        assertEquals("model_not_found", listed.json().path("error").path("code").asText());
        assertError(post("/v1/completions", "{\"model\": 7, \"prompt\": \"x\"}"), 400, "model");
        assertEquals(before, scripted.requests().size(), "nothing was generated for a refused model");
        assertEquals(200, post("/v1/completions", "{\"model\": \"scripted\", \"prompt\": \"x\"}").status);
        assertEquals(200, post("/v1/completions", "{\"prompt\": \"x\"}").status, "no model: the served one");
    }

    @Test
    void aChatCompletionRendersTheChatTemplateAndPassesTheSamplingParameters() {
        Reply r = post("/v1/chat/completions", CHAT + ", \"temperature\": 0.7, \"top_p\": 0.9, \"max_tokens\": 50, "
                + "\"seed\": 42}");
        assertEquals(200, r.status, r.body);
        JsonNode j = r.json();
        assertTrue(j.path("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", j.path("object").asText());
        assertEquals("scripted", j.path("model").asText());
        assertEquals(1, j.path("choices").size());
        JsonNode choice = j.path("choices").path(0);
        assertEquals(0, choice.path("index").asInt());
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals(REPLY, choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        int promptTokens = template.encode(CHAT_MESSAGES, true).length;
        assertEquals(promptTokens, j.path("usage").path("prompt_tokens").asInt());
        assertEquals(replyIds.length, j.path("usage").path("completion_tokens").asInt());
        assertEquals(promptTokens + replyIds.length, j.path("usage").path("total_tokens").asInt());

        GenerationRequest g = lastRequest();
        assertArrayEquals(template.encode(CHAT_MESSAGES, true), g.promptIds());
        assertEquals(1, g.n());
        assertEquals(0.7, g.params().temperature());
        assertEquals(0.9, g.params().topP());
        assertEquals(50, g.params().maxNewTokens());
        assertEquals(42L, g.params().seed());
        assertEquals(template.stopIds(), g.params().stopIds());
    }

    @Test
    void maxTokensStopsTheReplyWithFinishReasonLength() {
        JsonNode j = post("/v1/chat/completions", CHAT + ", \"max_tokens\": 3}").json();
        assertEquals(tok.decode(Arrays.copyOf(replyIds, 3), true), j.path("choices").path(0).path("message").path("content").asText());
        assertEquals("length", j.path("choices").path(0).path("finish_reason").asText());
        assertEquals(3, j.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void stopStringsCutTheTextAndNGivesSeveralChoices() {
        JsonNode j = post("/v1/chat/completions", CHAT + ", \"stop\": [\", \"], \"n\": 2}").json();
        assertEquals(2, j.path("choices").size());
        for (int i = 0; i < 2; i++) {
            JsonNode c = j.path("choices").path(i);
            assertEquals(i, c.path("index").asInt());
            assertEquals("Hello there", c.path("message").path("content").asText());
            assertEquals("stop", c.path("finish_reason").asText());
        }
        assertEquals(List.of(", "), lastRequest().params().stopStrings());
        assertEquals(2 * replyIds.length, j.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void aStreamingChatCompletionSendsChunksThenDone() throws IOException {
        Reply r = post("/v1/chat/completions", CHAT + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
        assertEquals(200, r.status);
        assertTrue(r.contentType.startsWith("text/event-stream"), r.contentType);
        List<String> events = r.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = JSON.readTree(e);
            assertEquals("chat.completion.chunk", c.path("object").asText());
            assertEquals(chunks.isEmpty() ? c.path("id").asText() : chunks.get(0).path("id").asText(), c.path("id").asText());
            chunks.add(c);
        }
        assertEquals("assistant", chunks.get(0).path("choices").path(0).path("delta").path("role").asText());
        StringBuilder content = new StringBuilder();
        int contentChunks = 0;
        for (JsonNode c : chunks) {
            JsonNode delta = c.path("choices").path(0).path("delta");
            if (delta.has("content") && !delta.path("content").asText().isEmpty()) {
                content.append(delta.path("content").asText());
                contentChunks++;
            }
        }
        assertEquals(REPLY, content.toString());
        assertTrue(contentChunks > 2, "token by token: " + contentChunks + " content chunks");
        JsonNode last = chunks.get(chunks.size() - 2);
        assertEquals("stop", last.path("choices").path(0).path("finish_reason").asText());
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.path("choices").size());
        assertEquals(replyIds.length, usage.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void aStreamStopsAtAStopStringSplitAcrossTokens() throws IOException {
        Reply r = post("/v1/chat/completions", CHAT + ", \"stream\": true, \"stop\": \"re, fr\"}");
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (String e : r.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode choice = JSON.readTree(e).path("choices").path(0);
            content.append(choice.path("delta").path("content").asText(""));
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.path("finish_reason").asText();
            }
        }
        assertEquals("Hello the", content.toString());
        assertEquals("stop", finish);
    }

    @Test
    void textCompletionsEncodeThePromptWithBos() throws IOException {
        Reply r = post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0}");
        assertEquals(200, r.status, r.body);
        JsonNode j = r.json();
        assertEquals("text_completion", j.path("object").asText());
        assertEquals(REPLY, j.path("choices").path(0).path("text").asText());
        assertEquals("stop", j.path("choices").path(0).path("finish_reason").asText());
        int[] prompt = tok.encode("Once upon a time", true);
        assertArrayEquals(prompt, lastRequest().promptIds());
        assertEquals(prompt.length, j.path("usage").path("prompt_tokens").asInt());
        assertEquals(0.0, lastRequest().params().temperature());
        assertTrue(lastRequest().params().stopIds().containsAll(Set.of(eot, tok.eosId().orElseThrow())));

        JsonNode two = post("/v1/completions", "{\"prompt\": [\"One\", \"Two\"], \"n\": 2}").json();
        assertEquals(4, two.path("choices").size());
        assertEquals(3, two.path("choices").path(3).path("index").asInt());

        StringBuilder streamed = new StringBuilder();
        List<String> events = post("/v1/completions", "{\"prompt\": \"Once\", \"stream\": true}").events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = JSON.readTree(e);
            assertEquals("text_completion", c.path("object").asText());
            streamed.append(c.path("choices").path(0).path("text").asText());
        }
        assertEquals(REPLY, streamed.toString());
    }

    private static void assertError(Reply r, int status, String param) {
        assertEquals(status, r.status, r.body);
        assertEquals("application/json", r.contentType);
        JsonNode err = r.json().path("error");
        assertTrue(err.path("message").isTextual() && !err.path("message").asText().isEmpty(), r.body);
        assertEquals(status == 500 ? "server_error" : "invalid_request_error", err.path("type").asText());
        if (param != null) {
            assertEquals(param, err.path("param").asText(), r.body);
        }
    }

    @Test
    void malformedRequestsGet400WithAnErrorObject() {
        assertError(post("/v1/chat/completions", "{\"messages\": [ {\"role\": "), 400, null);
        assertError(post("/v1/chat/completions", "[1, 2]"), 400, null);
        assertError(post("/v1/chat/completions", ""), 400, null);
        assertError(post("/v1/chat/completions", "{\"model\": \"scripted\"}"), 400, "messages");
        assertError(post("/v1/chat/completions", "{\"messages\": [{\"content\": \"hi\"}]}"), 400, "messages[0].role");
        assertError(post("/v1/chat/completions", CHAT + ", \"temperature\": 3}"), 400, "temperature");
        assertError(post("/v1/chat/completions", CHAT + ", \"temperature\": \"hot\"}"), 400, "temperature");
        assertError(post("/v1/chat/completions", CHAT + ", \"n\": 0}"), 400, "n");
        assertError(post("/v1/chat/completions", CHAT + ", \"max_tokens\": 0}"), 400, "max_tokens");
        assertError(post("/v1/chat/completions", CHAT + ", \"top_p\": 0}"), 400, "top_p");
        assertError(post("/v1/chat/completions", CHAT + ", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}"), 400, "stop");
        assertError(post("/v1/chat/completions", CHAT + ", \"seed\": 1.5}"), 400, "seed");
        assertError(post("/v1/chat/completions", CHAT + ", \"stream\": \"yes\"}"), 400, "stream");
        assertError(post("/v1/completions", "{\"prompt\": 42}"), 400, "prompt");
    }

    @Test
    void aRequestTheGeneratorRefusesGets400() {
        String longPrompt = "word ".repeat(3000);
        assertError(post("/v1/completions", "{\"prompt\": \"" + longPrompt + "\"}"), 400, null);
        assertError(post("/v1/completions", "{\"prompt\": \"" + longPrompt + "\", \"stream\": true}"), 400, null);
    }

    @Test
    void unknownPathsGet404AndWrongMethods405() {
        assertError(call(server, "GET", "/v1/embeddings", null), 404, null);
        assertError(call(server, "POST", "/v2/chat/completions", "{}"), 404, null);
        assertError(call(server, "GET", "/v1/chat/completions", null), 405, null);
        assertError(call(server, "POST", "/v1/models", "{}"), 405, null);
    }

    @Test
    void itBindsToLoopbackByDefaultAndStopsOnClose() {
        assertEquals("127.0.0.1", OpenAiServer.Options.defaults().host());
        OpenAiServer other = new OpenAiServer(scripted, tok, template, "other");
        int port = other.start();
        assertEquals("http://127.0.0.1:" + port + "/v1", other.baseUrl());
        assertEquals(200, call(other, "GET", "/v1/models", null).status);
        other.close();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build();
        assertTrue(assertThrowsIo(get), "closed server still answers");
    }

    private static boolean assertThrowsIo(HttpRequest request) {
        try {
            HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return false;
        } catch (IOException e) {
            return true;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theTinyFixtureModelServesSeededReproducibleCompletionsStreamedOrNot() throws IOException {
        try (RolloutEngine tiny = RolloutEngine.create(TestModels.tinyLlama3Widened(tok.vocabSize()),
                RolloutEngine.Options.defaults().withThreads(1).withTokenizer(tok));
             OpenAiServer s = new OpenAiServer(tiny, tok, template, "tiny-llama3")) {
            s.start();
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 2 + 2?\"}], \"max_tokens\": 3, "
                    + "\"temperature\": 1.0, \"seed\": 7";
            JsonNode a = call(s, "POST", "/v1/chat/completions", body + "}").json();
            JsonNode b = call(s, "POST", "/v1/chat/completions", body + "}").json();
            assertEquals(a.path("choices"), b.path("choices"));
            int generated = a.path("usage").path("completion_tokens").asInt();
            assertTrue(generated >= 1 && generated <= 3, a.toString());
            StringBuilder streamed = new StringBuilder();
            Reply r = call(s, "POST", "/v1/chat/completions", body + ", \"stream\": true}");
            for (String e : r.events()) {
                if (!e.equals("[DONE]")) {
                    streamed.append(JSON.readTree(e).path("choices").path(0).path("delta").path("content").asText(""));
                }
            }
            assertEquals(a.path("choices").path(0).path("message").path("content").asText(), streamed.toString());
        }
    }
}
