package dev.thinktune.teacher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.tokenizer.ChatMessage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A teacher behind any OpenAI-compatible chat-completions endpoint: vLLM, Ollama, a llama.cpp server, a hosted
 * API, or another thinktune model under {@code thinktune serve}. Each query is sent as its behaviour's few-shot
 * conversation ({@link BehaviorPrompt#messages}) to {@code <baseUrl>/chat/completions} with
 * {@code temperature: 0} and {@code max_tokens}; the reply is {@code choices[0].message.content}, read by
 * {@link ReplyParser}.
 *
 * <p>The queries of a step go out concurrently, at most {@code concurrency} at a time. A request that times out
 * (no complete response within {@code timeout}), cannot connect, or is answered 429 or 5xx is retried up to
 * {@code maxRetries} times, after an exponential back-off with jitter ({@code retryBaseDelay * 2^attempt}, capped
 * at {@code retryMaxDelay}, then scaled by a factor in [0.5, 1) drawn from a generator seeded by the request; a
 * {@code Retry-After} header in seconds lengthens the wait, up to the cap). Other statuses, and a response that is
 * not the expected JSON, fail at once. A query that still fails becomes {@link TeacherReply.Failure} of kind
 * {@code TIMEOUT} or {@code ERROR}; the step goes on without it.
 */
public final class OpenAiTeacher implements Teacher {

    /**
     * @param baseUrl        the API base, as OpenAI clients take it ({@code http://localhost:8000/v1})
     * @param model          the model name sent with each request
     * @param apiKey         sent as {@code Authorization: Bearer <apiKey>}; empty for none
     * @param timeout        the longest wait for one complete response
     * @param maxRetries     retries after the first attempt (0: none)
     * @param retryBaseDelay the back-off before the first retry
     * @param retryMaxDelay  the longest back-off
     * @param concurrency    requests in flight at once
     * @param maxTokens      the longest reply, in tokens ({@code max_tokens})
     */
    public record Options(String baseUrl, String model, String apiKey, Duration timeout, int maxRetries,
                          Duration retryBaseDelay, Duration retryMaxDelay, int concurrency, int maxTokens) {

        public static final Duration DEFAULT_RETRY_BASE_DELAY = Duration.ofMillis(500);
        public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofSeconds(8);

        public Options {
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (baseUrl.isBlank()) {
                throw new IllegalArgumentException("the openai teacher needs a base URL (guidance.teacher.base_url)");
            }
            URI uri = URI.create(baseUrl.strip());
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("teacher base URL must be an http(s) URL such as "
                        + "http://localhost:8000/v1, got '" + baseUrl + "'");
            }
            model = model == null ? "" : model;
            apiKey = apiKey == null ? "" : apiKey;
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(retryBaseDelay, "retryBaseDelay");
            Objects.requireNonNull(retryMaxDelay, "retryMaxDelay");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
            }
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
            }
            if (retryBaseDelay.isNegative() || retryMaxDelay.compareTo(retryBaseDelay) < 0) {
                throw new IllegalArgumentException("retry delays must satisfy 0 <= base <= max, got base "
                        + retryBaseDelay + ", max " + retryMaxDelay);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
            }
        }

        /** Options with the default back-off (0.5 s doubling to at most 8 s). */
        public static Options of(String baseUrl, String model, String apiKey, Duration timeout, int maxRetries,
                                 int concurrency, int maxTokens) {
            return new Options(baseUrl, model, apiKey, timeout, maxRetries, DEFAULT_RETRY_BASE_DELAY,
                    DEFAULT_RETRY_MAX_DELAY, concurrency, maxTokens);
        }

        public Options withRetryDelays(Duration base, Duration max) {
            return new Options(baseUrl, model, apiKey, timeout, maxRetries, base, max, concurrency, maxTokens);
        }

        /** The chat-completions URL. */
        public URI endpoint() {
            String base = baseUrl.strip();
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            return URI.create(base + "/chat/completions");
        }
    }

    private static final int SNIPPET = 200;

    private final Options options;
    private final PromptSet prompts;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client;
    private final ExecutorService pool;

    public OpenAiTeacher(Options options, PromptSet prompts) {
        this.options = Objects.requireNonNull(options, "options");
        this.prompts = Objects.requireNonNull(prompts, "prompts");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.timeout())
                .build();
        this.pool = Executors.newFixedThreadPool(options.concurrency(), daemonThreads());
    }

    public Options options() {
        return options;
    }

    @Override
    public List<TeacherReply> reply(List<TeacherQuery> queries) {
        List<Future<TeacherReply>> pending = new ArrayList<>(queries.size());
        for (TeacherQuery q : queries) {
            pending.add(pool.submit(() -> ask(q)));
        }
        List<TeacherReply> out = new ArrayList<>(queries.size());
        for (Future<TeacherReply> f : pending) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pending.forEach(p -> p.cancel(true));
                while (out.size() < queries.size()) {
                    out.add(new TeacherReply.Failure(TeacherReply.Kind.ERROR, "interrupted"));
                }
                return out;
            } catch (ExecutionException e) {
                out.add(new TeacherReply.Failure(TeacherReply.Kind.ERROR, String.valueOf(e.getCause())));
            }
        }
        return out;
    }

    /** The request body of a query. */
    String requestBody(TeacherQuery q) {
        ObjectNode body = json.createObjectNode();
        body.put("model", options.model());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : prompts.get(q.behavior()).messages(q.question(), q.studentAnswer())) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        body.put("temperature", 0);
        body.put("max_tokens", options.maxTokens());
        body.put("stream", false);
        return body.toString();
    }

    private TeacherReply ask(TeacherQuery q) {
        String body = requestBody(q);
        HttpRequest.Builder request = HttpRequest.newBuilder(options.endpoint())
                .timeout(options.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (!options.apiKey().isEmpty()) {
            request.header("Authorization", "Bearer " + options.apiKey());
        }
        HttpRequest built = request.build();
        SplittableRandom jitter = new SplittableRandom(body.hashCode());
        Attempt last = null;
        for (int attempt = 0; attempt <= options.maxRetries(); attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(backoff(attempt - 1, last.retryAfter, jitter).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new TeacherReply.Failure(TeacherReply.Kind.ERROR, "interrupted during back-off");
                }
            }
            last = send(built);
            if (last.done != null) {
                return last.done;
            }
        }
        int attempts = options.maxRetries() + 1;
        return new TeacherReply.Failure(last.kind, "failed after " + attempts + (attempts == 1 ? " attempt" : " attempts")
                + ": " + last.message);
    }

    /** The wait before retry {@code retry} (0-based). */
    Duration backoff(int retry, Optional<Duration> retryAfter, SplittableRandom jitter) {
        long base = options.retryBaseDelay().toMillis();
        long cap = options.retryMaxDelay().toMillis();
        long exp = retry >= 62 ? cap : Math.min(cap, base << Math.min(retry, 30));
        long wait = (long) (exp * (0.5 + 0.5 * jitter.nextDouble()));
        if (retryAfter.isPresent()) {
            wait = Math.max(wait, Math.min(cap, retryAfter.get().toMillis()));
        }
        return Duration.ofMillis(wait);
    }

    /** One exchange: a final reply ({@code done}), or a retryable failure. */
    private record Attempt(TeacherReply done, TeacherReply.Kind kind, String message, Optional<Duration> retryAfter) {
        static Attempt done(TeacherReply reply) {
            return new Attempt(reply, null, null, Optional.empty());
        }

        static Attempt retry(TeacherReply.Kind kind, String message, Optional<Duration> retryAfter) {
            return new Attempt(null, kind, message, retryAfter);
        }
    }

    private Attempt send(HttpRequest request) {
        CompletableFuture<HttpResponse<String>> future = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = future.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return Attempt.retry(TeacherReply.Kind.TIMEOUT, "no response within " + seconds(options.timeout()),
                    Optional.empty());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return Attempt.done(new TeacherReply.Failure(TeacherReply.Kind.ERROR, "interrupted"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return Attempt.retry(TeacherReply.Kind.TIMEOUT, "no response within " + seconds(options.timeout()),
                        Optional.empty());
            }
            if (cause instanceof IOException) {
                return Attempt.retry(TeacherReply.Kind.ERROR, "cannot reach " + request.uri() + ": " + cause,
                        Optional.empty());
            }
            return Attempt.done(new TeacherReply.Failure(TeacherReply.Kind.ERROR, String.valueOf(cause)));
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Attempt.done(readReply(response.body()));
        }
        String message = "HTTP " + status + " from " + request.uri() + ": " + snippet(response.body());
        if (status == 429 || status >= 500) {
            return Attempt.retry(TeacherReply.Kind.ERROR, message, retryAfter(response));
        }
        return Attempt.done(new TeacherReply.Failure(TeacherReply.Kind.ERROR, message));
    }

    /** The reflection in a chat-completions response body. */
    TeacherReply readReply(String body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            return new TeacherReply.Failure(TeacherReply.Kind.ERROR, "response is not JSON: " + snippet(body));
        }
        JsonNode content = root == null ? null : root.path("choices").path(0).path("message").path("content");
        if (content == null || !content.isTextual()) {
            return new TeacherReply.Failure(TeacherReply.Kind.ERROR,
                    "response has no choices[0].message.content: " + snippet(body));
        }
        return ReplyParser.parse(content.asText());
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofMillis((long) (Double.parseDouble(v.strip()) * 1000)));
            } catch (NumberFormatException e) {
                return Optional.empty(); // an HTTP date: the capped exponential back-off applies
            }
        });
    }

    private static String snippet(String s) {
        String t = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return t.length() <= SNIPPET ? t : t.substring(0, SNIPPET) + "...";
    }

    private static String seconds(Duration d) {
        return d.toMillis() / 1000.0 + " s";
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "teacher-openai-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String name() {
        return "openai:" + (options.model().isEmpty() ? options.baseUrl() : options.model());
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
