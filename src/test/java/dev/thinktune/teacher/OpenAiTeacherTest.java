package dev.thinktune.teacher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.thinktune.data.Example;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.RolloutGroup;
import dev.thinktune.rollout.Trajectory;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatMessage;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAI-compatible teacher against a loopback server that misbehaves on request: the question of each query
 * names what the server does with it ({@code [ok]}, {@code [500]}, {@code [429]} then success, {@code [garbage]},
 * {@code [hang]}, {@code [400]}, {@code [noise]}: a reply without tags, {@code [slow]}: 150 ms).
 */
@Timeout(20)
class OpenAiTeacherTest {

    private static final String REPLY = "<opinion>incorrect</opinion>\n<reason>Wait, 6 x 7 is 42.</reason>\n"
            + "<phrase>So the answer is \\boxed{42}.</phrase>";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpServer server;
    private static ExecutorService serverThreads;
    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    private static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();
    private static final List<Recorded> REQUESTS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    private static final AtomicInteger MAX_IN_FLIGHT = new AtomicInteger();

    private record Recorded(String path, String authorization, String contentType, JsonNode body) {
    }

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        serverThreads = Executors.newFixedThreadPool(12, r -> {
            Thread t = new Thread(r, "fault-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(serverThreads);
        server.createContext("/", OpenAiTeacherTest::handle);
        server.start();
    }

    @AfterAll
    static void stop() {
        RELEASE.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private static void handle(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
        REQUESTS.add(new Recorded(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                ex.getRequestHeaders().getFirst("Content-Type"), body));
        JsonNode messages = body.path("messages");
        String query = messages.path(messages.size() - 1).path("content").asText();
        String scenario = query.substring(query.indexOf('[') + 1, query.indexOf(']'));
        int attempt = ATTEMPTS.computeIfAbsent(query, k -> new AtomicInteger()).incrementAndGet();
        try {
            switch (scenario) {
                case "ok" -> send(ex, 200, completion(REPLY));
                case "noise" -> send(ex, 200, completion("I think the student is right."));
                case "500" -> send(ex, 500, "{\"error\": {\"message\": \"boom\"}}");
                case "400" -> send(ex, 400, "{\"error\": {\"message\": \"bad model\"}}");
                case "429" -> {
                    if (attempt == 1) {
                        ex.getResponseHeaders().set("Retry-After", "0");
                        send(ex, 429, "{\"error\": {\"message\": \"slow down\"}}");
                    } else {
                        send(ex, 200, completion(REPLY));
                    }
                }
                case "garbage" -> send(ex, 200, "{\"choices\": [{\"message\": {\"content\": ");
                case "nocontent" -> send(ex, 200, "{\"choices\": []}");
                case "hang" -> {
                    RELEASE.await(10, TimeUnit.SECONDS);
                    send(ex, 200, completion(REPLY));
                }
                case "slow" -> {
                    int now = IN_FLIGHT.incrementAndGet();
                    MAX_IN_FLIGHT.accumulateAndGet(now, Math::max);
                    Thread.sleep(150);
                    IN_FLIGHT.decrementAndGet();
                    send(ex, 200, completion(REPLY));
                }
                default -> send(ex, 404, "{}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientGone) {
            // the teacher gave up on this request
        } finally {
            ex.close();
        }
    }

    private static String completion(String content) {
        var root = JSON.createObjectNode().put("id", "x").put("object", "chat.completion");
        root.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                .putObject("message").put("role", "assistant").put("content", content);
        return root.toString();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private static OpenAiTeacher teacher(int maxRetries, int concurrency, long timeoutMillis) {
        return new OpenAiTeacher(new OpenAiTeacher.Options(baseUrl(), "teacher-model", "sk-test",
                Duration.ofMillis(timeoutMillis), maxRetries, Duration.ofMillis(10), Duration.ofMillis(40), concurrency,
                96), PromptSet.builtIn());
    }

    private static final AtomicInteger UNIQUE = new AtomicInteger();

    /** A query whose question makes the server behave as {@code scenario}; unique, so attempts count per query. */
    private static TeacherQuery query(String scenario) {
        String question = "[" + scenario + "] What is 6 x 7? (" + UNIQUE.incrementAndGet() + ")";
        return new TeacherQuery(new Example("q", question, "42", "", List.of(), Example.AnswerType.NUMBER), question,
                "6 x 7 = 48. \\boxed{48}", Behavior.SELF_CRITIQUE);
    }

    private static int attempts(TeacherQuery q) {
        return ATTEMPTS.get(BehaviorPrompt.userMessage(q.question(), q.studentAnswer())).get();
    }

    @Test
    void aWellFormedReplyIsAReflectionAndTheRequestIsAChatCompletion() {
        TeacherQuery q = query("ok");
        try (OpenAiTeacher t = teacher(0, 2, 2000)) {
            assertEquals(new TeacherReply.Reflection("incorrect", "Wait, 6 x 7 is 42.", "So the answer is \\boxed{42}."),
                    t.reply(List.of(q)).get(0));
        }
        Recorded r = REQUESTS.stream().filter(x -> x.body.toString().contains(q.question())).findFirst().orElseThrow();
        assertEquals("/v1/chat/completions", r.path);
        assertEquals("Bearer sk-test", r.authorization);
        assertEquals("application/json", r.contentType);
        assertEquals("teacher-model", r.body.path("model").asText());
        assertEquals(0.0, r.body.path("temperature").asDouble());
        assertTrue(r.body.path("temperature").isNumber());
        assertEquals(96, r.body.path("max_tokens").asInt());
        List<ChatMessage> expected = PromptSet.builtIn().get(Behavior.SELF_CRITIQUE).messages(q.question(), q.studentAnswer());
        List<ChatMessage> sent = new ArrayList<>();
        r.body.path("messages").forEach(m -> sent.add(new ChatMessage(m.path("role").asText(), m.path("content").asText())));
        assertEquals(expected, sent);
    }

    @Test
    void serverErrorsAreRetriedThenReported() {
        TeacherQuery q = query("500");
        try (OpenAiTeacher t = teacher(2, 1, 2000)) {
            TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, t.reply(List.of(q)).get(0));
            assertEquals(TeacherReply.Kind.ERROR, f.kind());
            assertTrue(f.message().contains("HTTP 500") && f.message().contains("3 attempts"), f.message());
        }
        assertEquals(3, attempts(q));
    }

    @Test
    void tooManyRequestsIsRetriedAndTheRetrySucceeds() {
        TeacherQuery q = query("429");
        try (OpenAiTeacher t = teacher(2, 1, 2000)) {
            assertInstanceOf(TeacherReply.Reflection.class, t.reply(List.of(q)).get(0));
        }
        assertEquals(2, attempts(q));
    }

    @Test
    void garbageJsonIsAnErrorWithoutRetry() {
        TeacherQuery garbage = query("garbage");
        TeacherQuery empty = query("nocontent");
        try (OpenAiTeacher t = teacher(3, 2, 2000)) {
            List<TeacherReply> replies = t.reply(List.of(garbage, empty));
            TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, replies.get(0));
            assertEquals(TeacherReply.Kind.ERROR, f.kind());
            assertTrue(f.message().contains("not JSON"), f.message());
            assertTrue(((TeacherReply.Failure) replies.get(1)).message().contains("choices[0].message.content"));
        }
        assertEquals(1, attempts(garbage));
        assertEquals(1, attempts(empty));
    }

    @Test
    void clientErrorsAreNotRetried() {
        TeacherQuery q = query("400");
        try (OpenAiTeacher t = teacher(3, 1, 2000)) {
            TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, t.reply(List.of(q)).get(0));
            assertTrue(f.message().contains("HTTP 400") && f.message().contains("bad model"), f.message());
        }
        assertEquals(1, attempts(q));
    }

    @Test
    void aServerThatHangsTimesOutAfterEachAttempt() {
        TeacherQuery q = query("hang");
        long start = System.nanoTime();
        try (OpenAiTeacher t = teacher(1, 1, 300)) {
            TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, t.reply(List.of(q)).get(0));
            assertEquals(TeacherReply.Kind.TIMEOUT, f.kind());
            assertTrue(f.message().contains("2 attempts"), f.message());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds >= 0.6 && seconds < 3, "two 0.3 s attempts took " + seconds + " s");
        assertEquals(2, attempts(q));
    }

    @Test
    void aServerThatIsNotThereIsAnErrorAfterTheRetries() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (OpenAiTeacher t = new OpenAiTeacher(new OpenAiTeacher.Options("http://127.0.0.1:" + closedPort + "/v1",
                "m", "", Duration.ofSeconds(1), 2, Duration.ofMillis(5), Duration.ofMillis(10), 1, 16),
                PromptSet.builtIn())) {
            TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, t.reply(List.of(query("ok"))).get(0));
            assertEquals(TeacherReply.Kind.ERROR, f.kind());
            assertTrue(f.message().contains("cannot reach") && f.message().contains("3 attempts"), f.message());
        }
    }

    @Test
    void requestsGoOutConcurrentlyUpToTheLimit() {
        List<TeacherQuery> queries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queries.add(query("slow"));
        }
        MAX_IN_FLIGHT.set(0);
        try (OpenAiTeacher t = teacher(0, 3, 3000)) {
            t.reply(queries).forEach(r -> assertInstanceOf(TeacherReply.Reflection.class, r));
        }
        assertEquals(3, MAX_IN_FLIGHT.get(), "six 150 ms requests overlap, at most three at a time");
    }

    @Test
    void aGuidedStepCompletesWithEveryKindOfFailureCounted() {
        Tokenizer tok = TestModels.fixtureTokenizer();
        int eot = tok.tokenId("<|eot_id|>").orElseThrow();
        List<String> scenarios = List.of("ok", "500", "429", "garbage", "hang", "noise", "400");
        List<RolloutGroup> groups = new ArrayList<>();
        for (String s : scenarios) {
            TeacherQuery q = query(s);
            int[] text = tok.encode(q.studentAnswer(), false);
            int[] ids = Arrays.copyOf(text, text.length + 1);
            ids[text.length] = eot;
            groups.add(new RolloutGroup(q.example(), q.question(), new int[]{1},
                    List.of(new Trajectory(ids, new boolean[ids.length], FinishReason.EOS, false, ""))));
        }
        long start = System.nanoTime();
        Guide.Result r;
        try (OpenAiTeacher t = teacher(1, 8, 1000)) {
            r = new TeacherGuide(t, tok, 1, 1024, List.of(Behavior.SELF_CRITIQUE)).guide(groups, 1.0, 17);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(new Guide.Stats(7, 2, 1, 4, 0), r.stats());
        assertTrue(r.groups().get(0).trajectories().get(0).guided());
        assertTrue(r.groups().get(2).trajectories().get(0).guided());
        assertTrue(seconds < 6, "the step took " + seconds + " s (two 1 s attempts for the hanging request)");
    }

    @Test
    void backoffGrowsExponentiallyWithJitterUpToTheCap() {
        try (OpenAiTeacher t = new OpenAiTeacher(new OpenAiTeacher.Options(baseUrl(), "m", "", Duration.ofSeconds(1),
                5, Duration.ofMillis(100), Duration.ofMillis(1000), 1, 16), PromptSet.builtIn())) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
            long[] bounds = {100, 200, 400, 800, 1000, 1000};
            for (int retry = 0; retry < bounds.length; retry++) {
                long wait = t.backoff(retry, java.util.Optional.empty(), rng).toMillis();
                assertTrue(wait >= bounds[retry] / 2 && wait <= bounds[retry], "retry " + retry + ": " + wait);
            }
            assertEquals(1000, t.backoff(0, java.util.Optional.of(Duration.ofSeconds(30)), rng).toMillis());
        }
    }
}
