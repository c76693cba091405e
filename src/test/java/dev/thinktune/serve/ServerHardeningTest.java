package dev.thinktune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.testing.ScriptedGenerator;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server under slow clients, and its optional API key. */
@Timeout(60)
class ServerHardeningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static OpenAiServer server(OpenAiServer.Options options) {
        Tokenizer tok = TestModels.fixtureTokenizer();
        int[] reply = tok.encode("Fine.", false);
        return new OpenAiServer(new ScriptedGenerator(r -> reply), tok, ChatTemplate.forTokenizer(tok), "m",
                options);
    }

    private static HttpResponse<String> get(int port, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(2));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A client that sends the start of a request, then one byte at a time. */
    private static final class SlowClient implements AutoCloseable {
        final Socket socket;
        final long opened = System.nanoTime();
        private final byte[] rest;
        private int sent;

        SlowClient(int port, String start, String rest) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(50);
            socket.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
            this.rest = rest.getBytes(StandardCharsets.US_ASCII);
        }

        /** Sends the next byte; false once the server has closed the connection. */
        boolean trickle() {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(rest[sent++ % rest.length]);
                out.flush();
                InputStream in = socket.getInputStream();
                return in.read() != -1 || false;
            } catch (SocketTimeoutException stillOpen) {
                return true;
            } catch (IOException closed) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void slowClientsNeitherStarveOthersNorHoldTheirConnectionsPastTheRequestTimeout() throws Exception {
        int threads = 2;
        long timeoutMs = 3000;
        try (OpenAiServer s = server(OpenAiServer.Options.defaults().withThreads(threads)
                .withRequestTimeoutMillis(timeoutMs))) {
            int port = s.start();
            assertEquals(200, get(port, "/v1/models", null).statusCode(), "warm-up");
            List<SlowClient> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 4 * threads; i++) { // slow headers, then slow bodies
                    slow.add(i % 2 == 0
                            ? new SlowClient(port, "GET /v1/models HTTP/1.1\r\nHo", "st: x\r\nX-Padding: yyyy")
                            : new SlowClient(port, "POST /v1/completions HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"prompt\":\"", "a"));
                }
                for (int round = 0; round < 3; round++) {
                    slow.forEach(SlowClient::trickle);
                    HttpResponse<String> r = get(port, "/v1/models", null); // the client gives up after 2 s
                    assertEquals(200, r.statusCode(), r.body());
                }
                for (SlowClient c : slow) {
                    assertTrue(c.trickle(), "every slow client was still connected while the others were served");
                }
                // every slow client, though it keeps sending, is cut off once its request time is up
                long deadline = System.nanoTime() + 4 * timeoutMs * 1_000_000;
                List<SlowClient> open = new ArrayList<>(slow);
                while (!open.isEmpty() && System.nanoTime() < deadline) {
                    open.removeIf(c -> !c.trickle());
                    Thread.sleep(100);
                }
                assertTrue(open.isEmpty(), open.size() + " slow clients still connected after "
                        + 4 * timeoutMs + " ms");
                for (SlowClient c : slow) {
                    assertTrue((System.nanoTime() - c.opened) / 1_000_000 >= timeoutMs - 100,
                            "closed before its request timeout");
                }
                assertEquals(200, get(port, "/v1/models", null).statusCode(), "still serving afterwards");
            } finally {
                for (SlowClient c : slow) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413WithoutWaitingForIt() throws Exception {
        try (OpenAiServer s = server(OpenAiServer.Options.defaults())) {
            int port = s.start();
            String body = "{\"prompt\": \"" + "a".repeat(5 << 20) + "\"}";
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode());
            assertTrue(JSON.readTree(r.body()).path("error").path("message").asText().contains("larger than"));
        } catch (IOException resetWhileSending) {
            // the server may close the connection before the client has sent the rest: also a refusal
        }
    }

    @Test
    void withAnApiKeyEveryRequestNeedsTheBearerKey() throws Exception {
        ApiKey key = ApiKey.of("k3y-0123456789");
        try (OpenAiServer s = server(OpenAiServer.Options.defaults().withApiKey(key))) {
            int port = s.start();
            HttpResponse<String> none = get(port, "/v1/models", null);
            assertEquals(401, none.statusCode());
            JsonNode err = JSON.readTree(none.body()).path("error");
            assertEquals("invalid_api_key", err.path("code").asText());
            assertTrue(err.path("message").asText().contains("Authorization: Bearer"), none.body());
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, get(port, "/v1/models", "Bearer k3y-0123456780").statusCode());
            assertEquals(401, get(port, "/v1/models", "Bearer k3y-012345678").statusCode());
            assertEquals(401, get(port, "/v1/models", "Basic k3y-0123456789").statusCode());
            assertEquals(401, get(port, "/v1/nothing", null).statusCode(), "no path is probed without the key");
            assertEquals(200, get(port, "/v1/models", "Bearer k3y-0123456789").statusCode());
            assertEquals(200, get(port, "/v1/models", "bearer  k3y-0123456789 ").statusCode());
        }
        try (OpenAiServer open = server(OpenAiServer.Options.defaults())) {
            assertEquals(200, get(open.start(), "/v1/models", null).statusCode(), "no key configured: open");
        }
    }

    @Test
    void theKeyComesFromAnEnvironmentVariableOrAFileAndIsNeverPrinted(@TempDir Path dir) throws IOException {
        ApiKey env = ApiKey.fromEnvironment("SERVE_KEY", Map.of("SERVE_KEY", "abcdefgh12"));
        assertTrue(env.accepts("Bearer abcdefgh12"));
        assertFalse(env.toString().contains("abcdefgh12"));
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> ApiKey.fromEnvironment("SERVE_KEY", Map.of()));
        assertTrue(unset.getMessage().contains("SERVE_KEY"), unset.getMessage());
        Path file = dir.resolve("key");
        Files.writeString(file, "  file-key-123\n");
        assertTrue(ApiKey.fromFile(file).accepts("Bearer file-key-123"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ApiKey.fromFile(dir.resolve("nokey")));
        assertTrue(missing.getMessage().contains("nokey") && missing.getMessage().contains("not found"));
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class, () -> ApiKey.of("abc"));
        assertTrue(shortKey.getMessage().contains("at least 8"), shortKey.getMessage());
    }
}
