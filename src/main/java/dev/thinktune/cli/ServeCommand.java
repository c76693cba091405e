package dev.thinktune.cli;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.RolloutEngine;
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

    @Option(names = "--port", defaultValue = "8000", description = "port to listen on, 0 for any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to bind (default ${DEFAULT-VALUE}: this machine only; there is no authentication)")
    String host;

    @Option(names = "--name", description = "model name the API reports (default: the directory's name)")
    String name;

    @Option(names = "--threads", defaultValue = "4", description = "request handler threads (default ${DEFAULT-VALUE})")
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
        if (!HfCheckpoint.isCheckpoint(model)) {
            throw new IllegalArgumentException(model + " is not a model directory (config.json and safetensors)");
        }
        String served = name != null && !name.isBlank() ? name : model.toAbsolutePath().normalize().getFileName().toString();
        Tokenizer tokenizer = Tokenizers.load(model);
        RolloutEngine engine = RolloutEngine.create(model,
                RolloutEngine.Options.defaults().withThreads(decoderThreads).withTokenizer(tokenizer));
        OpenAiServer.Options options = OpenAiServer.Options.defaults().withHost(host).withPort(port)
                .withThreads(threads).withDefaultMaxTokens(maxTokens);
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
                    + ", reachable from other machines, without authentication");
        }
        out.println("thinktune serve: " + served + " at " + server.baseUrl() + " (Ctrl-C to stop)");
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
