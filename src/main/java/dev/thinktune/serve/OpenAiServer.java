package dev.thinktune.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An OpenAI-compatible HTTP server over a thinktune model, on the JDK's HTTP server:
 * <ul>
 *   <li>{@code GET /v1/models} (and {@code /v1/models/<name>}): the one model served;</li>
 *   <li>{@code POST /v1/chat/completions}: {@code messages} rendered with the model's chat template;</li>
 *   <li>{@code POST /v1/completions}: {@code prompt}, a string or an array of strings, encoded with BOS.</li>
 * </ul>
 * Both completion endpoints take {@code temperature} (default 1, 0 is greedy), {@code top_p}, {@code max_tokens}
 * (or {@code max_completion_tokens}), {@code stop} (up to 4 strings, cut from the returned text), {@code seed},
 * {@code n} and {@code stream}; they answer with {@code usage} token counts, and with {@code "stream": true} as
 * server-sent events ({@code data: {...}} chunks, then {@code data: [DONE]}; {@code stream_options.include_usage}
 * adds a usage chunk). The {@code model} field is not checked. Malformed requests get 400 with an OpenAI-style
 * error object that names the field; unknown paths 404; a known path with another method 405.
 *
 * <p>It binds to {@code 127.0.0.1} unless told otherwise, since it has no authentication. Requests are handled
 * by a bounded pool ({@link Options#threads}, with a bounded queue); generation runs one call at a time through
 * the generator.
 */
public final class OpenAiServer implements AutoCloseable {

    /**
     * @param host             the address to bind ({@code 127.0.0.1}: this machine only)
     * @param port             the port (0: any free one; {@link #start} says which)
     * @param threads          request handler threads
     * @param defaultMaxTokens {@code max_tokens} when a request gives none
     * @param maxTokensLimit   the largest {@code max_tokens} accepted
     * @param maxN             the largest {@code n} accepted
     * @param maxBodyBytes     the largest request body accepted
     */
    public record Options(String host, int port, int threads, int defaultMaxTokens, int maxTokensLimit, int maxN,
                          int maxBodyBytes) {
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            }
            if (threads < 1 || defaultMaxTokens < 1 || maxTokensLimit < defaultMaxTokens || maxN < 1
                    || maxBodyBytes < 1) {
                throw new IllegalArgumentException("invalid server options " + this);
            }
        }

        /** Loopback, any free port, 4 threads, 256 tokens by default and 4096 at most, n up to 16, 4 MiB bodies. */
        public static Options defaults() {
            return new Options("127.0.0.1", 0, 4, 256, 4096, 16, 4 << 20);
        }

        public Options withHost(String h) {
            return new Options(h, port, threads, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes);
        }

        public Options withPort(int p) {
            return new Options(host, p, threads, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes);
        }

        public Options withThreads(int t) {
            return new Options(host, port, t, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes);
        }

        public Options withDefaultMaxTokens(int m) {
            return new Options(host, port, threads, m, Math.max(m, maxTokensLimit), maxN, maxBodyBytes);
        }
    }

    private static final String MODELS = "/v1/models";
    private static final String CHAT = "/v1/chat/completions";
    private static final String COMPLETIONS = "/v1/completions";

    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String modelName;
    private final Options options;
    private final ObjectMapper json = new ObjectMapper();
    private final ReentrantLock generation = new ReentrantLock(true);
    private final long created = Instant.now().getEpochSecond();
    private HttpServer server;
    private ThreadPoolExecutor executor;

    public OpenAiServer(Generator generator, Tokenizer tokenizer, ChatTemplate template, String modelName) {
        this(generator, tokenizer, template, modelName, Options.defaults());
    }

    public OpenAiServer(Generator generator, Tokenizer tokenizer, ChatTemplate template, String modelName,
                        Options options) {
        this.generator = Objects.requireNonNull(generator, "generator");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.template = Objects.requireNonNull(template, "template");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Binds and starts serving; returns the bound port. */
    public synchronized int start() {
        if (server != null) {
            throw new IllegalStateException("server already started");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(options.threads(), options.threads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "serve-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return port();
    }

    /** The bound port. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("server not started");
        }
        return server.getAddress().getPort();
    }

    /** The API base URL clients take ({@code http://127.0.0.1:PORT/v1}). */
    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port() + "/v1";
    }

    public String modelName() {
        return modelName;
    }

    /** Stops serving; requests in progress are interrupted. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
    }

    // ---- routing ----

    private void handle(HttpExchange ex) {
        Response out = new Response(ex);
        try {
            String path = ex.getRequestURI().getPath();
            if (path.length() > 1 && path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            if (path.equals(MODELS) || path.startsWith(MODELS + "/")) {
                requireMethod(method, "GET");
                models(out, path.equals(MODELS) ? null : path.substring(MODELS.length() + 1));
            } else if (path.equals(CHAT) || path.equals(COMPLETIONS)) {
                requireMethod(method, "POST");
                complete(out, path.equals(CHAT), readBody(ex));
            } else {
                throw new ApiException(404, "invalid_request_error", null, "unknown path " + path
                        + " (this server has " + MODELS + ", " + CHAT + " and " + COMPLETIONS + ")");
            }
        } catch (ApiException e) {
            out.error(e.status, e.type, e.param, e.getMessage());
        } catch (IllegalArgumentException e) { // refused by the generator: prompt too long, ids out of range
            out.error(400, "invalid_request_error", null, e.getMessage());
        } catch (RuntimeException e) {
            out.error(500, "server_error", null, "internal error: " + e);
        } finally {
            ex.close();
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "invalid_request_error", null, method + " is not allowed here; use "
                    + allowed);
        }
    }

    private JsonNode readBody(HttpExchange ex) {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(options.maxBodyBytes() + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (body.length > options.maxBodyBytes()) {
            throw new ApiException(413, "invalid_request_error", null, "request body larger than "
                    + options.maxBodyBytes() + " bytes");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiException.invalid(null, "the request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- endpoints ----

    private void models(Response out, String name) {
        if (name != null && !name.equals(modelName)) {
            throw new ApiException(404, "invalid_request_error", "model", "no model '" + name + "' here; this "
                    + "server has '" + modelName + "'");
        }
        ObjectNode model = json.createObjectNode()
                .put("id", modelName).put("object", "model").put("created", created).put("owned_by", "thinktune");
        if (name != null) {
            out.json(200, model);
            return;
        }
        ObjectNode list = json.createObjectNode().put("object", "list");
        list.putArray("data").add(model);
        out.json(200, list);
    }

    private void complete(Response out, boolean chat, JsonNode body) {
        ApiRequest req = ApiRequest.parse(body, chat, tokenizer, template, options);
        Set<Integer> stopIds = template.stopIds();
        if (!chat && tokenizer.eosId().isPresent()) {
            stopIds = ApiRequest.union(stopIds, Set.of(tokenizer.eosId().getAsInt()));
        }
        List<GenerationRequest> requests = new ArrayList<>();
        for (int[] prompt : req.prompts()) {
            requests.add(new GenerationRequest(prompt, req.n(), req.params(stopIds)));
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(ThreadLocalRandom.current().nextLong());
        long now = Instant.now().getEpochSecond();
        if (req.stream()) {
            stream(out, req, requests, stopIds, id, now);
            return;
        }
        List<List<Completion>> results = generate(requests, Generator.TokenListener.NONE);
        ObjectNode root = json.createObjectNode().put("id", id)
                .put("object", chat ? "chat.completion" : "text_completion").put("created", now)
                .put("model", modelName);
        ArrayNode choices = root.putArray("choices");
        int completionTokens = 0;
        for (int p = 0; p < results.size(); p++) {
            for (int s = 0; s < results.get(p).size(); s++) {
                Completion c = results.get(p).get(s);
                completionTokens += c.length();
                StopMatcher stop = new StopMatcher(req.stop());
                String text = stop.accept(text(c)) + stop.finish();
                ObjectNode choice = choices.addObject().put("index", p * req.n() + s);
                if (chat) {
                    choice.putObject("message").put("role", "assistant").put("content", text);
                } else {
                    choice.put("text", text);
                }
                choice.putNull("logprobs");
                choice.put("finish_reason", finishReason(c.finishReason(), stop.stopped()));
            }
        }
        root.set("usage", usage(req, completionTokens));
        out.json(200, root);
    }

    private List<List<Completion>> generate(List<GenerationRequest> requests, Generator.TokenListener listener) {
        generation.lock();
        try {
            return generator.generate(requests, listener);
        } finally {
            generation.unlock();
        }
    }

    /** The text of a completion: its ids without a final stop id, special tokens skipped. */
    private String text(Completion c) {
        int[] ids = c.tokenIds();
        if (c.endedWithEos() && ids.length > 0) {
            ids = Arrays.copyOf(ids, ids.length - 1);
        }
        return tokenizer.decode(ids, true);
    }

    private static String finishReason(FinishReason reason, boolean cutAtStop) {
        return cutAtStop || reason != FinishReason.LENGTH ? "stop" : "length";
    }

    private ObjectNode usage(ApiRequest req, int completionTokens) {
        int promptTokens = req.prompts().stream().mapToInt(p -> p.length).sum();
        return json.createObjectNode().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
    }

    // ---- streaming ----

    /** One streamed choice: decodes its tokens and cuts at stop strings. */
    private final class StreamedChoice {
        final int index;
        final Tokenizer.StreamingDecoder decoder = tokenizer.streamingDecoder(true);
        final StopMatcher stop;

        StreamedChoice(int index, List<String> stops) {
            this.index = index;
            this.stop = new StopMatcher(stops);
        }
    }

    private void stream(Response out, ApiRequest req, List<GenerationRequest> requests, Set<Integer> stopIds,
                        String id, long now) {
        List<StreamedChoice> choices = new ArrayList<>();
        for (int i = 0; i < requests.size() * req.n(); i++) {
            choices.add(new StreamedChoice(i, req.stop()));
        }
        String object = req.chat() ? "chat.completion.chunk" : "text_completion";
        Runnable open = () -> {
            if (out.startEvents() && req.chat()) {
                for (StreamedChoice c : choices) {
                    ObjectNode chunk = chunk(id, object, now);
                    ObjectNode choice = chunk.putArray("choices").addObject().put("index", c.index);
                    choice.putObject("delta").put("role", "assistant").put("content", "");
                    choice.putNull("logprobs");
                    choice.putNull("finish_reason");
                    out.event(chunk.toString());
                }
            }
        };
        Generator.TokenListener listener = (request, sample, tokenId) -> {
            open.run();
            if (stopIds.contains(tokenId)) {
                return;
            }
            StreamedChoice c = choices.get(request * req.n() + sample);
            String piece = c.stop.accept(c.decoder.next(tokenId));
            if (!piece.isEmpty()) {
                out.event(delta(id, object, now, req.chat(), c.index, piece, null).toString());
            }
        };
        List<List<Completion>> results;
        try {
            results = generate(requests, listener);
        } catch (RuntimeException e) {
            if (!out.eventsStarted()) {
                throw e;
            }
            ObjectNode err = json.createObjectNode();
            err.putObject("error").put("message", "generation failed: " + e).put("type", "server_error");
            out.event(err.toString());
            out.event("[DONE]");
            return;
        }
        open.run();
        int completionTokens = 0;
        for (int p = 0; p < results.size(); p++) {
            for (int s = 0; s < results.get(p).size(); s++) {
                Completion comp = results.get(p).get(s);
                completionTokens += comp.length();
                StreamedChoice c = choices.get(p * req.n() + s);
                String rest = c.stop.accept(c.decoder.flush()) + c.stop.finish();
                if (!rest.isEmpty()) {
                    out.event(delta(id, object, now, req.chat(), c.index, rest, null).toString());
                }
                out.event(delta(id, object, now, req.chat(), c.index, null,
                        finishReason(comp.finishReason(), c.stop.stopped())).toString());
            }
        }
        if (req.includeUsage()) {
            ObjectNode chunk = chunk(id, object, now);
            chunk.putArray("choices");
            chunk.set("usage", usage(req, completionTokens));
            out.event(chunk.toString());
        }
        out.event("[DONE]");
    }

    private ObjectNode chunk(String id, String object, long now) {
        return json.createObjectNode().put("id", id).put("object", object).put("created", now).put("model", modelName);
    }

    private ObjectNode delta(String id, String object, long now, boolean chat, int index, String text,
                             String finish) {
        ObjectNode chunk = chunk(id, object, now);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (text != null) {
                delta.put("content", text);
            }
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return chunk;
    }

    /** Writes one exchange's response: a JSON body, an error, or a stream of server-sent events. */
    private final class Response {
        private final HttpExchange ex;
        private OutputStream events;
        private boolean broken;

        Response(HttpExchange ex) {
            this.ex = ex;
        }

        void json(int status, JsonNode body) {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            try {
                ex.sendResponseHeaders(status, bytes.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(bytes);
                }
            } catch (IOException e) {
                broken = true; // the client went away
            }
        }

        void error(int status, String type, String param, String message) {
            if (events != null) {
                return; // too late for a status: the stream is already open
            }
            ObjectNode root = OpenAiServer.this.json.createObjectNode();
            ObjectNode err = root.putObject("error").put("message", message).put("type", type);
            if (param == null) {
                err.putNull("param");
            } else {
                err.put("param", param);
            }
            err.putNull("code");
            if (status == 405) {
                ex.getResponseHeaders().set("Allow", ex.getRequestURI().getPath().startsWith(MODELS) ? "GET" : "POST");
            }
            json(status, root);
        }

        /** Opens the event stream; true the first time. */
        synchronized boolean startEvents() {
            if (events != null || broken) {
                return false;
            }
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            try {
                ex.sendResponseHeaders(200, 0);
                events = ex.getResponseBody();
                return true;
            } catch (IOException e) {
                broken = true;
                return false;
            }
        }

        synchronized boolean eventsStarted() {
            return events != null;
        }

        synchronized void event(String data) {
            if (events == null || broken) {
                return;
            }
            try {
                events.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                events.flush();
            } catch (IOException e) {
                broken = true; // the client went away; generation finishes unobserved
            }
        }
    }
}
