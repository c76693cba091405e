package dev.thinktune.ui;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.deeplearning4j.ui.VertxUIServer;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts and stops the Deeplearning4j UI server (Vert.x) bound to one host, by default the loopback interface,
 * and shows registered SameDiff UI logs on its SameDiff page without the file picker:
 * {@code http://127.0.0.1:PORT/thinktune/samediff/NAME} draws the graph, {@code ...?page=plots&refresh=5}
 * charts the events and re-reads the file every 5 seconds, so a log that a training run appends to
 * ({@link TrainingUiLog}) is followed live. {@code /samediff}, {@code /train} and the rest of Deeplearning4j's
 * UI are served as usual.
 *
 * <p>The server is Deeplearning4j's singleton: one per JVM, so {@link #start} fails while another is running.
 * {@link #close} closes the Vert.x instance it runs on and waits for it, after which no Vert.x thread is left
 * to keep the JVM alive.
 */
public final class UiServerLauncher implements AutoCloseable {
    public static final int DEFAULT_PORT = 9000;
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Seconds between re-reads in the live chart address {@link #liveUrl}. */
    public static final int LIVE_REFRESH_SECONDS = 5;
    private static final long START_TIMEOUT_S = 60;
    private static final long STOP_TIMEOUT_S = 30;

    private final String host;
    private final UiLogRegistry logs;
    private final Vertx vertx;
    private final BoundUiServer server;
    private final Set<Path> uploadDirs;
    private boolean closed;

    private UiServerLauncher(String host, UiLogRegistry logs, Vertx vertx, BoundUiServer server, Set<Path> uploadDirs) {
        this.host = host;
        this.logs = logs;
        this.vertx = vertx;
        this.server = server;
        this.uploadDirs = uploadDirs;
    }

    /** Starts the server on {@code host:port} ({@code port} 0: a free port, see {@link #port()}). */
    public static synchronized UiServerLauncher start(String host, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
        }
        VertxUIServer running = VertxUIServer.getInstance();
        if (running != null && !running.isStopped()) {
            throw new IllegalStateException("a Deeplearning4j UI server is already running in this JVM at "
                    + running.getAddress());
        }
        UiLogRegistry logs = new UiLogRegistry();
        UiRoutes routes = new UiRoutes(logs);
        Set<Path> uploadsBefore = uploadDirs();
        // a small pool: the UI serves one person; the default sizes follow the core count
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4)
                .setInternalBlockingPoolSize(2));
        BoundUiServer server = new BoundUiServer(host, port, routes::install);
        CompletableFuture<String> deployed = new CompletableFuture<>();
        vertx.deployVerticle(server, ar -> {
            if (ar.succeeded()) {
                deployed.complete(ar.result());
            } else {
                deployed.completeExceptionally(ar.cause());
            }
        });
        try {
            deployed.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            closeQuietly(vertx);
            clearStaticInstance(server);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the UI server did not start on " + host + ":" + port + ": "
                    + rootMessage(cause), cause);
        }
        Set<Path> ours = uploadDirs();
        ours.removeAll(uploadsBefore);
        return new UiServerLauncher(host, logs, vertx, server, ours);
    }

    /**
     * For {@code train --ui}: a server on the loopback interface at {@code port} that shows {@code logFile} (the
     * log a {@link TrainingUiLog} writes) under the name {@link UiLogRegistry#nameFor its file name}. Open
     * {@link #liveUrl} to follow the run.
     */
    public static UiServerLauncher start(int port, Path logFile) {
        UiServerLauncher ui = start(DEFAULT_HOST, port);
        ui.register(logFile);
        return ui;
    }

    /** Shows {@code file} under {@code name}; returns the name. */
    public String register(String name, Path file) {
        logs.register(name, file);
        return name;
    }

    /** Shows {@code file} under a name made from its file name; returns the name. */
    public String register(Path file) {
        return register(UiLogRegistry.nameFor(file), file);
    }

    public UiLogRegistry logs() {
        return logs;
    }

    public String host() {
        return host;
    }

    /** The port listened on (the actual one when started with port 0). */
    public int port() {
        return server.getPort();
    }

    public URI baseUrl() {
        return URI.create("http://" + urlHost(host) + ":" + port());
    }

    /** The SameDiff page drawing log {@code name}'s graph. */
    public URI graphUrl(String name) {
        return baseUrl().resolve(UiRoutes.graphPath(name));
    }

    /** The SameDiff page charting log {@code name}'s events once. */
    public URI plotsUrl(String name) {
        return baseUrl().resolve(UiRoutes.plotsPath(name, 0));
    }

    /** The charts of log {@code name}, re-read every {@value #LIVE_REFRESH_SECONDS} seconds. */
    public URI liveUrl(String name) {
        return baseUrl().resolve(UiRoutes.plotsPath(name, LIVE_REFRESH_SECONDS));
    }

    /** Stops the server and its Vert.x threads; waits for them. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        // VertxUIServer.stop closes the same Vert.x instance; closing it here waits for the same thing
        vertx.close(ar -> done.complete(null));
        try {
            done.get(STOP_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // nothing more to do: the threads are told to stop
        }
        clearStaticInstance(server);
        for (Path d : uploadDirs) {
            try {
                Files.deleteIfExists(d);   // only when empty: nothing is ever uploaded to it by our pages
            } catch (IOException ignored) {
                // a file was uploaded by hand; leave it
            }
        }
    }

    /** Lets {@code UIServer.getInstance()} start a new server after ours (Deeplearning4j's static state). */
    private static void clearStaticInstance(BoundUiServer server) {
        if (VertxUIServer.getInstance() == server) {
            try {
                VertxUIServer.stopInstance();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }

    private static void closeQuietly(Vertx vertx) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        vertx.close(ar -> done.complete(null));
        try {
            done.get(STOP_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort after a failed start
        }
    }

    /** The upload folders VertxUIServer makes in the temporary folder on each start. */
    private static Set<Path> uploadDirs() {
        Set<Path> out = new HashSet<>();
        File[] dirs = new File(System.getProperty("java.io.tmpdir")).listFiles(
                f -> f.isDirectory() && f.getName().startsWith("DL4JUI_"));
        if (dirs != null) {
            for (File d : dirs) {
                out.add(d.toPath());
            }
        }
        return out;
    }

    static String urlHost(String host) {
        if (host.equals("0.0.0.0") || host.equals("::")) {
            return "localhost";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
