package dev.thinktune.ui;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** HTTP and thread helpers for the UI server tests. */
public final class UiTesting {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private UiTesting() {
    }

    public static HttpResponse<byte[]> get(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String text(URI uri) {
        HttpResponse<byte[]> r = get(uri);
        if (r.statusCode() != 200) {
            throw new AssertionError("HTTP " + r.statusCode() + " for " + uri + ": " + new String(r.body()));
        }
        return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Live threads that would keep the JVM running and that Vert.x started. */
    public static List<String> vertxThreads() {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !t.isDaemon() && t.getName().startsWith("vert.x-")) {
                out.add(t.getName());
            }
        }
        return out;
    }

    /** Waits up to {@code seconds} for the Vert.x threads to end; returns those still alive. */
    public static List<String> awaitNoVertxThreads(int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<String> left = vertxThreads();
        while (!left.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(100);
            left = vertxThreads();
        }
        return left;
    }
}
