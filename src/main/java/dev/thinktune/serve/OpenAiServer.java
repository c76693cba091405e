package dev.thinktune.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.TopLogprobs;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An OpenAI-compatible HTTP server over a thinktune model ({@link HttpFront}, on netty):
 * <ul>
 *   <li>{@code GET /v1/models} (and {@code /v1/models/<name>}): the one model served;</li>
 *   <li>{@code POST /v1/chat/completions}: {@code messages} rendered with the model's chat template;</li>
 *   <li>{@code POST /v1/completions}: {@code prompt}, a string or an array of strings, encoded with BOS.</li>
 * </ul>
 * Both completion endpoints take {@code temperature} (default 1, 0 is greedy), {@code top_p}, {@code max_tokens}
 * (or {@code max_completion_tokens}), {@code stop} (up to 4 strings, cut from the returned text), {@code seed},
 * {@code n} and {@code stream}; they answer with {@code usage} token counts, and with {@code "stream": true} as
 * server-sent events ({@code data: {...}} chunks, then {@code data: [DONE]}; {@code stream_options.include_usage}
 * adds a usage chunk). Chat {@code logprobs}/{@code top_logprobs} and completions {@code logprobs} return the
 * sampler's temperature-1 log-probabilities in OpenAI's shapes ({@link LogprobsJson}), streamed chunks carrying
 * their own tokens; {@code tools}, {@code functions}, non-text {@code response_format} and {@code echo} are
 * refused with 400 naming the field. A {@code model} other than the served one gets 404
 * {@code model_not_found}, as from OpenAI; a request without one is answered by the served model. Malformed
 * requests get 400 with an OpenAI-style error object that names the field; unknown paths 404; a known path with
 * another method 405.
 *
 * <p>It binds to {@code 127.0.0.1} unless told otherwise. With an {@link Options#apiKey} every request must carry
 * {@code Authorization: Bearer KEY} (else 401 {@code invalid_api_key}); without one anybody who can reach the
 * port can use it. Slow clients hold no thread ({@link HttpFront}); a complete request is handled by a bounded
 * pool ({@link Options#threads}, with a bounded queue); generation runs one call at a time through the
 * generator.
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
     * @param requestTimeoutMillis the time a client has to send a request's line, headers and body, from the
     *                         connection's opening or its previous response; past it the connection is closed
     * @param apiKey           the key every request must carry as {@code Authorization: Bearer}; null = none
     */
    public record Options(String host, int port, int threads, int defaultMaxTokens, int maxTokensLimit, int maxN,
                          int maxBodyBytes, long requestTimeoutMillis, ApiKey apiKey) {
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            }
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("threads must be in [1, 1024], got " + threads);
            }
            if (defaultMaxTokens < 1 || maxTokensLimit < defaultMaxTokens || maxN < 1 || maxBodyBytes < 1
                    || requestTimeoutMillis < 1) {
                throw new IllegalArgumentException("invalid server options " + this);
            }
        }

        /**
         * Loopback, any free port, 16 handler threads, 256 tokens by default and 4096 at most, n up to 16, 4 MiB
         * bodies, 30 s to send a request, no API key.
         */
        public static Options defaults() {
            return new Options("127.0.0.1", 0, 16, 256, 4096, 16, 4 << 20, 30_000, null);
        }

        public Options withHost(String h) {
            return new Options(h, port, threads, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes,
                    requestTimeoutMillis, apiKey);
        }

        public Options withPort(int p) {
            return new Options(host, p, threads, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes,
                    requestTimeoutMillis, apiKey);
        }

        public Options withThreads(int t) {
            return new Options(host, port, t, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes,
                    requestTimeoutMillis, apiKey);
        }

        public Options withDefaultMaxTokens(int m) {
            return new Options(host, port, threads, m, Math.max(m, maxTokensLimit), maxN, maxBodyBytes,
                    requestTimeoutMillis, apiKey);
        }

        public Options withRequestTimeoutMillis(long ms) {
            return new Options(host, port, threads, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes, ms,
                    apiKey);
        }

        public Options withApiKey(ApiKey key) {
            return new Options(host, port, threads, defaultMaxTokens, maxTokensLimit, maxN, maxBodyBytes,
                    requestTimeoutMillis, key);
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
    private final LogprobsJson logprobsJson;
    private final ReentrantLock generation = new ReentrantLock(true);
    private final long created = Instant.now().getEpochSecond();
    private HttpFront front;

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
        this.logprobsJson = new LogprobsJson(tokenizer);
    }

    /** Binds and starts serving; returns the bound port. */
    public synchronized int start() {
        if (front != null) {
            throw new IllegalStateException("server already started");
        }
        front = HttpFront.start(new HttpFront.Limits(options.host(), options.port(), options.threads(), 256,
                options.requestTimeoutMillis(), options.maxBodyBytes()), this::handle);
        return port();
    }

    /** The bound port. */
    public synchronized int port() {
        if (front == null) {
            throw new IllegalStateException("server not started");
        }
        return front.port();
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
        if (front == null) {
            return;
        }
        front.close();
        front = null;
    }

    // ---- routing ----

    private void handle(HttpFront.Exchange request) {
        Response out = new Response(request);
        try {
            String path = request.path();
            if (path.length() > 1 && path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            String method = request.method().toUpperCase(Locale.ROOT);
            if (options.apiKey() != null && !options.apiKey().accepts(request.header("Authorization"))) {
                throw new ApiException(401, "invalid_request_error", null, request.header("Authorization") == null
                        ? "this server needs an API key: send the header 'Authorization: Bearer KEY'"
                        : "incorrect API key in the Authorization header (expected 'Bearer KEY' with this "
                        + "server's key)").withCode("invalid_api_key");
            }
            if (path.equals(MODELS) || path.startsWith(MODELS + "/")) {
                requireMethod(method, "GET");
                models(out, path.equals(MODELS) ? null : path.substring(MODELS.length() + 1));
            } else if (path.equals(CHAT) || path.equals(COMPLETIONS)) {
                requireMethod(method, "POST");
                complete(out, path.equals(CHAT), parseBody(request.body()));
            } else {
                throw new ApiException(404, "invalid_request_error", null, "unknown path " + path
                        + " (this server has " + MODELS + ", " + CHAT + " and " + COMPLETIONS + ")");
            }
        } catch (ApiException e) {
            out.error(e.status, e.type, e.param, e.code, e.getMessage());
        } catch (IllegalArgumentException e) { // refused by the generator: prompt too long, ids out of range
            out.error(400, "invalid_request_error", null, null, e.getMessage());
        } catch (RuntimeException e) {
            out.error(500, "server_error", null, null, "internal error: " + e);
        } finally {
            out.end();
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "invalid_request_error", null, method + " is not allowed here; use "
                    + allowed);
        }
    }

    private JsonNode parseBody(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiException.invalid(null, "the request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid(null, "the request body cannot be read: " + e.getMessage());
        }
    }

    // ---- endpoints ----

    private void models(Response out, String name) {
        if (name != null && !name.equals(modelName)) {
            throw modelNotFound(name);
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

    private ApiException modelNotFound(String name) {
        return new ApiException(404, "invalid_request_error", "model", "The model '" + name + "' does not exist; "
                + "this server has '" + modelName + "'").withCode("model_not_found");
    }

    private void complete(Response out, boolean chat, JsonNode body) {
        JsonNode model = body.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) {
                throw ApiException.invalid("model", "model must be a string, the name '" + modelName + "'");
            }
            if (!model.asText().isEmpty() && !model.asText().equals(modelName)) {
                throw modelNotFound(model.asText());
            }
        }
        ApiRequest req = ApiRequest.parse(body, chat, tokenizer, template, options);
        Set<Integer> stopIds = template.stopIds();
        if (!chat && tokenizer.eosId().isPresent()) {
            stopIds = ApiRequest.union(stopIds, Set.of(tokenizer.eosId().getAsInt()));
        }
        List<GenerationRequest> requests = new ArrayList<>();
        for (int[] prompt : req.prompts()) {
            requests.add(new GenerationRequest(prompt, req.n(), req.params(stopIds), req.engineTopLogprobs()));
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
                ChoiceText choiceText = choiceText(req, p, stopIds);
                StringBuilder text = new StringBuilder();
                List<TokenLogprob> tokens = new ArrayList<>();
                for (int t = 0; t < c.length(); t++) {
                    add(choiceText.next(c.tokenIds()[t], c.logprobs()[t], top(c, t)), text, tokens);
                }
                add(choiceText.finish(), text, tokens);
                ObjectNode choice = choices.addObject().put("index", p * req.n() + s);
                if (chat) {
                    choice.putObject("message").put("role", "assistant").put("content", text.toString());
                } else {
                    choice.put("text", text.toString());
                }
                putLogprobs(choice, req, tokens);
                choice.put("finish_reason", finishReason(c.finishReason(), choiceText.stopped()));
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

    private static void add(ChoiceText.Piece piece, StringBuilder text, List<TokenLogprob> tokens) {
        text.append(piece.text());
        tokens.addAll(piece.tokens());
    }

    private static TopLogprobs top(Completion c, int t) {
        return c.topLogprobs().isEmpty() ? TopLogprobs.NONE : c.topLogprobs().get(t);
    }

    /** Follows a choice's text and tokens; text offsets of completion {@code prompt} start after its text. */
    private ChoiceText choiceText(ApiRequest req, int prompt, Set<Integer> stopIds) {
        int promptChars = req.chat() ? 0 : req.promptTexts().get(prompt).codePointCount(0,
                req.promptTexts().get(prompt).length());
        return new ChoiceText(tokenizer, req.stop(), stopIds, promptChars);
    }

    /** A choice's {@code logprobs}: null unless the request asked for them. */
    private void putLogprobs(ObjectNode choice, ApiRequest req, List<TokenLogprob> tokens) {
        if (!req.logprobs()) {
            choice.putNull("logprobs");
        } else {
            choice.set("logprobs", req.chat() ? logprobsJson.chat(tokens) : logprobsJson.completion(tokens));
        }
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
    private record StreamedChoice(int index, ChoiceText text) {
    }

    private void stream(Response out, ApiRequest req, List<GenerationRequest> requests, Set<Integer> stopIds,
                        String id, long now) {
        List<StreamedChoice> choices = new ArrayList<>();
        for (int i = 0; i < requests.size() * req.n(); i++) {
            choices.add(new StreamedChoice(i, choiceText(req, i / req.n(), stopIds)));
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
        Generator.TokenListener listener = new Generator.TokenListener() {
            @Override
            public void onToken(int request, int sample, int tokenId) {
                onToken(request, sample, tokenId, Float.NaN, TopLogprobs.NONE);
            }

            @Override
            public void onToken(int request, int sample, int tokenId, float logprob, TopLogprobs top) {
                open.run();
                StreamedChoice c = choices.get(request * req.n() + sample);
                ChoiceText.Piece piece = c.text.next(tokenId, logprob, top);
                if (!piece.text().isEmpty()) {
                    out.event(delta(id, object, now, req, c.index, piece, null).toString());
                }
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
                ChoiceText.Piece rest = c.text.finish();
                if (!rest.isEmpty()) {
                    out.event(delta(id, object, now, req, c.index, rest, null).toString());
                }
                out.event(delta(id, object, now, req, c.index, null,
                        finishReason(comp.finishReason(), c.text.stopped())).toString());
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

    /** A chunk of one choice: a piece of its text with the tokens it carries, or (piece null) its end. */
    private ObjectNode delta(String id, String object, long now, ApiRequest req, int index, ChoiceText.Piece piece,
                             String finish) {
        ObjectNode chunk = chunk(id, object, now);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
        if (req.chat()) {
            ObjectNode delta = choice.putObject("delta");
            if (piece != null) {
                delta.put("content", piece.text());
            }
        } else {
            choice.put("text", piece == null ? "" : piece.text());
        }
        if (piece == null) {
            choice.putNull("logprobs");
        } else {
            putLogprobs(choice, req, piece.tokens());
        }
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return chunk;
    }

    /** Writes one exchange's response: a JSON body, an error, or a stream of server-sent events. */
    private final class Response {
        private final HttpFront.Exchange ex;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private boolean events;
        private boolean done;

        Response(HttpFront.Exchange ex) {
            this.ex = ex;
        }

        synchronized void json(int status, JsonNode body) {
            if (done || events) {
                return;
            }
            done = true;
            headers.put("Content-Type", "application/json");
            ex.respond(status, headers, body.toString().getBytes(StandardCharsets.UTF_8));
        }

        synchronized void error(int status, String type, String param, String code, String message) {
            if (events) {
                return; // too late for a status: the stream is already open
            }
            ObjectNode root = OpenAiServer.this.json.createObjectNode();
            ObjectNode err = root.putObject("error").put("message", message).put("type", type);
            if (param == null) {
                err.putNull("param");
            } else {
                err.put("param", param);
            }
            if (code == null) {
                err.putNull("code");
            } else {
                err.put("code", code);
            }
            if (status == 405) {
                headers.put("Allow", ex.path().startsWith(MODELS) ? "GET" : "POST");
            }
            if (status == 401) {
                headers.put("WWW-Authenticate", "Bearer");
            }
            json(status, root);
        }

        /** Opens the event stream; true the first time. */
        synchronized boolean startEvents() {
            if (events || done) {
                return false;
            }
            events = true;
            headers.put("Content-Type", "text/event-stream");
            headers.put("Cache-Control", "no-cache");
            ex.startStream(200, headers);
            return true;
        }

        synchronized boolean eventsStarted() {
            return events;
        }

        synchronized void event(String data) {
            if (events && !done) {
                ex.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            }
        }

        /** Ends the stream, or answers 500 if nothing was written (a bug). */
        synchronized void end() {
            if (done) {
                return;
            }
            if (!events) {
                error(500, "server_error", null, null, "internal error: no response written");
                return;
            }
            done = true;
            ex.endStream();
        }
    }
}
