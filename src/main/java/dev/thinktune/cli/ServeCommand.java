package dev.thinktune.cli;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.serve.ApiKey;
import dev.thinktune.serve.OpenAiServer;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code thinktune serve}: a model behind an OpenAI-compatible API, for users or as the teacher of another run.
 * Runs until interrupted (Ctrl-C).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model directory over an OpenAI-compatible HTTP API (/v1/chat/completions, "
                + "/v1/completions, /v1/models), with streaming.",
                "Another run can use it as its teacher: guidance.teacher.type openai, base_url http://HOST:PORT/v1."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "model directory (config.json, safetensors, tokenizer.json or tokenizer.model)")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "a PEFT LoRA adapter directory (adapter_config.json,"
            + " adapter_model.safetensors) for the model, applied beside its weights (not merged); the API then"
            + " reports the adapter directory's name unless --name is given")
    Path adapter;

    @Option(names = "--port", defaultValue = "8000", description = "port to listen on, 0 for any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to bind (default ${DEFAULT-VALUE}: this machine only)")
    String host;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "require 'Authorization: Bearer KEY' with the key held in environment variable VAR "
                    + "(the key itself is never given on the command line)")
    String apiKeyEnv;

    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "require 'Authorization: Bearer KEY' with the key held in FILE (only the key; keep it "
                    + "readable by you alone)")
    Path apiKeyFile;

    @Option(names = "--request-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "seconds a client has to send a request's headers and body; slower connections are "
                    + "closed (default ${DEFAULT-VALUE})")
    double requestTimeout;

    @Option(names = "--name", description = "model name the API reports (default: the directory's name)")
    String name;

    @Option(names = "--threads", defaultValue = "16",
            description = "threads for fully received requests; generation itself runs one request at a time "
                    + "(default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--decoder-threads", defaultValue = "0",
            description = "decoder threads, 0 = all processors (default ${DEFAULT-VALUE})")
    int decoderThreads;

    @Option(names = "--max-tokens", defaultValue = "256",
            description = "max_tokens of a request that gives none (default ${DEFAULT-VALUE})")
    int maxTokens;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ModelDirectories.require(model);
        LoraAdapters adapters = adapter == null ? null : AdapterDirectories.read(adapter, model);
        if (apiKeyEnv != null && apiKeyFile != null) {
            throw new IllegalArgumentException("give --api-key-env or --api-key-file, not both");
        }
        if (!(requestTimeout > 0 && requestTimeout <= 3600)) {
            throw new IllegalArgumentException("--request-timeout " + requestTimeout + " is invalid: must be in "
                    + "(0, 3600] seconds");
        }
        ApiKey apiKey = apiKeyEnv != null ? ApiKey.fromEnvironment(apiKeyEnv, System.getenv())
                : apiKeyFile != null ? ApiKey.fromFile(apiKeyFile) : null;
        Path named = adapter != null ? adapter : model;
        String served = name != null && !name.isBlank() ? name : named.toAbsolutePath().normalize().getFileName().toString();
        Tokenizer tokenizer = Tokenizers.load(model);
        RolloutEngine engine = AdapterDirectories.engine(model, adapters,
                RolloutEngine.Options.defaults().withThreads(decoderThreads).withTokenizer(tokenizer));
        OpenAiServer.Options options = OpenAiServer.Options.defaults().withHost(host).withPort(port)
                .withThreads(threads).withDefaultMaxTokens(maxTokens)
                .withRequestTimeoutMillis(Math.round(requestTimeout * 1000)).withApiKey(apiKey);
        OpenAiServer server = new OpenAiServer(engine, tokenizer, ChatTemplate.forTokenizer(tokenizer), served,
                options);
        try {
            server.start();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        if (!isLoopback(host)) {
            spec.commandLine().getErr().println("thinktune serve: warning: listening on " + host
                    + ", reachable from other machines, over plain HTTP"
                    + (apiKey == null ? " and without an API key (see --api-key-env, --api-key-file)" : ""));
        }
        out.println("thinktune serve: " + served + " at " + server.baseUrl()
                + (apiKey == null ? "" : " (API key from " + apiKey.source() + ")") + " (Ctrl-C to stop)");
        out.flush();
        Thread hook = new Thread(server::close, "serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
            engine.close();
        }
        return 0;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
