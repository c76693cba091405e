package dev.thinktune.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.deeplearning4j.ui.VertxUIServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * thinktune's routes on the UI server's router.
 * <ul>
 *   <li>{@code GET /thinktune}: an index of the registered logs with links to their pages</li>
 *   <li>{@code GET /thinktune/samediff/NAME}: Deeplearning4j's SameDiff page that loads log NAME by itself
 *       (instead of its file picker), its graph drawn as blocks ({@link GraphBlocks}) with a list of them in the
 *       sidebar; {@code ?block=B} opens block B (or any scope) to its ops, {@code ?view=ops} shows every op,
 *       {@code ?page=plots} opens the Plots tab, {@code ?refresh=S} re-reads the log every S seconds while it
 *       grows</li>
 *   <li>{@code GET /thinktune/logs}: the logs as JSON (name, file, size, links)</li>
 *   <li>{@code GET /thinktune/logs/NAME}: the log's bytes, up to its last complete record: what the page
 *       parses, and what "Select File" on {@code /samediff} accepts when saved; {@code ?view=blocks} replaces its
 *       graph with the blocks, {@code ?block=B} with block B's ops (the events are kept)</li>
 *   <li>{@code GET /thinktune/logs/NAME/blocks}: the blocks of its graph as JSON (name, kind, ops, weights)</li>
 *   <li>{@code GET /thinktune/logs/NAME/summary}: the log decoded on the server, as JSON: graph variables and
 *       ops, scalar series, histograms</li>
 * </ul>
 */
final class UiRoutes {
    static final String PREFIX = "/thinktune";
    private static final String PAGE_TEMPLATE = "templates/SameDiffUI.html";
    private static final String SCRIPT = "samediff-thinktune.js";
    private static final String SCRIPT_RESOURCE = "dev/thinktune/ui/" + SCRIPT;

    private final UiLogRegistry logs;
    private final ObjectMapper json = new ObjectMapper();
    private final String pageTemplate;
    private final byte[] script;

    UiRoutes(UiLogRegistry logs) {
        this.logs = logs;
        this.pageTemplate = new String(resource(VertxUIServer.class, PAGE_TEMPLATE), StandardCharsets.UTF_8);
        this.script = resource(UiRoutes.class, SCRIPT_RESOURCE);
    }

    static String graphPath(String name) {
        return PREFIX + "/samediff/" + name;
    }

    static String plotsPath(String name, int refreshSeconds) {
        return graphPath(name) + "?page=plots" + (refreshSeconds > 0 ? "&refresh=" + refreshSeconds : "");
    }

    void install(Router r) {
        r.get(PREFIX).handler(this::index);
        r.get(PREFIX + "/").handler(this::index);
        r.get(PREFIX + "/" + SCRIPT).handler(rc -> rc.response()
                .putHeader("content-type", "application/javascript; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .end(Buffer.buffer(script)));
        r.get(PREFIX + "/samediff/:name").handler(this::page);
        r.get(PREFIX + "/logs").blockingHandler(this::list, false);
        r.get(PREFIX + "/logs/:name").blockingHandler(this::bytes, false);
        r.get(PREFIX + "/logs/:name/summary").blockingHandler(this::summary, false);
        r.get(PREFIX + "/logs/:name/blocks").blockingHandler(this::blocks, false);
    }

    private void index(RoutingContext rc) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>thinktune UI</title></head><body style=\"font-family:sans-serif\"><h1>thinktune</h1>");
        if (logs.all().isEmpty()) {
            html.append("<p>No logs registered.</p>");
        }
        html.append("<ul>");
        for (String name : logs.all().keySet()) {
            html.append("<li><b>").append(name).append("</b>: <a href=\"").append(graphPath(name))
                    .append("\">graph</a> · <a href=\"").append(plotsPath(name, 10)).append("\">charts</a> · <a href=\"")
                    .append(PREFIX).append("/logs/").append(name).append("\">log file</a></li>");
        }
        html.append("</ul><p><a href=\"/samediff\">SameDiff page</a> (open a log file by hand) · "
                + "<a href=\"/train\">Deeplearning4j training page</a></p></body></html>");
        rc.response().putHeader("content-type", "text/html; charset=utf-8").end(html.toString());
    }

    private void page(RoutingContext rc) {
        String name = rc.pathParam("name");
        if (logs.file(name).isEmpty()) {
            notFound(rc, name);
            return;
        }
        // the name is checked against [A-Za-z0-9._-] on registration, so it is safe inside markup and a string
        String inject = "<script>var thinktuneLog = \"" + name + "\";</script>\n"
                + "<script src=\"" + PREFIX + "/" + SCRIPT + "\"></script>\n</body>";
        String html = pageTemplate
                .replace("<title>SameDiff Graph Visualization</title>", "<title>" + name + " - SameDiff</title>")
                .replace("</body>", inject);
        rc.response().putHeader("content-type", "text/html; charset=utf-8").end(html);
    }

    private void list(RoutingContext rc) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Path> e : logs.all().entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.getKey());
            m.put("file", e.getValue().toString());
            long size;
            try {
                size = Files.size(e.getValue());
            } catch (IOException ex) {
                size = -1;
            }
            m.put("bytes", size);
            m.put("graph", graphPath(e.getKey()));
            m.put("plots", plotsPath(e.getKey(), 0));
            m.put("data", PREFIX + "/logs/" + e.getKey());
            m.put("summary", PREFIX + "/logs/" + e.getKey() + "/summary");
            out.add(m);
        }
        sendJson(rc, out);
    }

    private void bytes(RoutingContext rc) {
        String name = rc.pathParam("name");
        byte[] data = read(rc, name);
        if (data == null) {
            return;
        }
        int n = UiLog.completeLength(data);
        String view = rc.request().getParam("view");
        String block = rc.request().getParam("block");
        if (view != null && !view.equals("ops") && !view.equals("blocks")) {
            rc.response().setStatusCode(400).putHeader("content-type", "text/plain; charset=utf-8")
                    .end("view must be 'blocks' or 'ops', got '" + view + "'");
            return;
        }
        try {
            if (block != null && !block.isEmpty()) {
                data = GraphBlocks.opened(n == data.length ? data : Arrays.copyOf(data, n), block);
                n = data.length;
            } else if ("blocks".equals(view)) {
                data = GraphBlocks.blockView(n == data.length ? data : Arrays.copyOf(data, n));
                n = data.length;
            }
        } catch (IllegalArgumentException e) {
            rc.response().setStatusCode(404).putHeader("content-type", "text/plain; charset=utf-8")
                    .end(e.getMessage());
            return;
        }
        rc.response().putHeader("content-type", "application/octet-stream")
                .putHeader("cache-control", "no-store")
                .putHeader("content-disposition", "inline; filename=\"" + name + ".sdlog\"")
                .end(Buffer.buffer(n == data.length ? data : Arrays.copyOf(data, n)));
    }

    private void summary(RoutingContext rc) {
        String name = rc.pathParam("name");
        byte[] data = read(rc, name);
        if (data == null) {
            return;
        }
        UiLog l;
        try {
            l = UiLog.parse(data);
        } catch (RuntimeException e) {
            rc.response().setStatusCode(422).putHeader("content-type", "text/plain; charset=utf-8")
                    .end("not a SameDiff UI log: " + e);
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("bytes", l.bytes());
        m.put("graph", l.graph());
        m.put("scalars", l.scalars());
        m.put("histograms", l.histograms());
        sendJson(rc, m);
    }

    private void blocks(RoutingContext rc) {
        byte[] data = read(rc, rc.pathParam("name"));
        if (data != null) {
            sendJson(rc, GraphBlocks.blocks(data));
        }
    }

    private byte[] read(RoutingContext rc, String name) {
        Path file = logs.file(name).orElse(null);
        if (file == null) {
            notFound(rc, name);
            return null;
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            rc.response().setStatusCode(404).end("log file not written yet: " + file);
        } catch (IOException e) {
            rc.response().setStatusCode(500).end("cannot read " + file + ": " + e.getMessage());
        }
        return null;
    }

    private void sendJson(RoutingContext rc, Object value) {
        try {
            rc.response().putHeader("content-type", "application/json; charset=utf-8")
                    .putHeader("cache-control", "no-store")
                    .end(Buffer.buffer(json.writeValueAsBytes(value)));
        } catch (IOException e) {
            rc.response().setStatusCode(500).end(e.toString());
        }
    }

    private static void notFound(RoutingContext rc, String name) {
        rc.response().setStatusCode(404).putHeader("content-type", "text/plain; charset=utf-8")
                .end("no log named '" + name + "'; see " + PREFIX + "/logs");
    }

    private static byte[] resource(Class<?> owner, String name) {
        try (InputStream in = owner.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource not found on the class path: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
