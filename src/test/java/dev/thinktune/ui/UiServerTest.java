package dev.thinktune.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.ops.CausalAttention;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.StudentModel;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.train.ObjectiveConfig;
import dev.thinktune.train.ThinkTuningLoss;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UI server on a free loopback port, showing the log of three training steps of the tiny Llama 3 fixture
 * with the ThinkTuning loss attached: the pages, the log bytes the page parses and the server's own summary.
 */
class UiServerTest {
    static final String Q_PROJ = "model.layers.0.self_attn.q_proj.weight";
    static final String NAME = "run";

    @TempDir
    static Path dir;
    static StudentModel model;
    static Path logFile;
    static TrainingUiLog trainingLog;
    static UiServerLauncher ui;

    @BeforeAll
    static void startServerWithThreeSteps() {
        model = StudentModel.of(HfCheckpoint.load(Fixtures.model("tiny-llama3")));
        ThinkTuningLoss.attach(model, ObjectiveConfig.DEFAULTS);
        logFile = dir.resolve("runs/ui.sdlog");
        trainingLog = TrainingUiLog.create(logFile, model.graph(), 2);
        for (int step = 1; step <= 3; step++) {
            trainingLog.onStep(step, metrics(step));
        }
        ui = UiServerLauncher.start("127.0.0.1", 0);
        ui.register(NAME, logFile);
    }

    static Map<String, Double> metrics(int step) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("step", (double) step);
        m.put("loss", 0.5 / step);
        m.put("reward/mean", 0.25 * step);
        m.put("aas/weight_mean", step == 1 ? Double.NaN : 0.9);   // a step without updates reports NaN
        m.put("lr", 1e-6);
        return m;
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (trainingLog != null) {
            trainingLog.close();
        }
        if (ui != null) {
            ui.close();
            assertTrue(UiTesting.awaitNoVertxThreads(15).isEmpty(), "Vert.x threads left after close: "
                    + UiTesting.vertxThreads());
        }
    }

    private static URI url(String path) {
        return ui.baseUrl().resolve(path);
    }

    @Test
    void listensOnTheLoopbackAddressItWasGiven() {
        assertTrue(ui.port() > 0);
        assertEquals("http://127.0.0.1:" + ui.port(), ui.baseUrl().toString());
        assertEquals(URI.create("http://127.0.0.1:" + ui.port() + "/thinktune/samediff/run?page=plots&refresh=5"),
                ui.liveUrl(NAME));
    }

    @Test
    void servesDeeplearning4jsSameDiffPageAndItsScripts() {
        String html = UiTesting.text(url("/samediff"));
        assertTrue(html.contains("<title>SameDiff Graph Visualization</title>"), html);
        assertTrue(html.contains("id=\"fileselect\""));
        // the layout library the page asks for is the pinned one, and the page's own scripts are there
        assertEquals(200, UiTesting.get(url("/assets/webjars/webcola/3.3.8/WebCola/cola.js")).statusCode());
        assertTrue(UiTesting.text(url("/assets/js/samediff/samediff-ui.js")).contains("function readGraphStructure"));
    }

    @Test
    void theLogPageIsTheSameDiffPageLoadingTheLogByItself() {
        String html = UiTesting.text(ui.graphUrl(NAME));
        assertTrue(html.contains("<title>run - SameDiff</title>"), html);
        assertTrue(html.contains("id=\"graphdiv\""));
        assertTrue(html.contains("var thinktuneLog = \"run\";"));
        assertTrue(html.indexOf("/thinktune/samediff-thinktune.js") > html.indexOf("samediff-plots.js"),
                "the loader must come after the page's scripts it replaces a function of");
        String js = UiTesting.text(url("/thinktune/samediff-thinktune.js"));
        assertTrue(js.contains("/thinktune/logs/") && js.contains("readGraphStructure()"));
    }

    @Test
    void logBytesHoldTheStudentGraphWithTheLossAndThreeStepsOfEvents() {
        HttpResponse<byte[]> r = UiTesting.get(url("/thinktune/logs/" + NAME));
        assertEquals(200, r.statusCode());
        assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(""));
        UiLog log = UiLog.parse(r.body());
        assertEquals(r.body().length, log.bytes());

        UiLog.Graph g = log.graph();
        assertNotNull(g);
        UiLog.Variable q = g.variables().stream().filter(v -> v.name().equals(Q_PROJ)).findFirst().orElseThrow();
        assertEquals("VARIABLE", q.type());
        assertArrayEquals(new long[]{64, 64}, q.shape());   // 4 heads of 16 by hidden 64
        assertTrue(g.variableNames().contains("model.embed_tokens.weight"));
        for (String lossVar : List.of(ThinkTuningLoss.LOSS, ThinkTuningLoss.RATIO, ThinkTuningLoss.CLIPPED,
                ThinkTuningLoss.K3, ThinkTuningLoss.W)) {
            UiLog.Variable v = g.variables().stream().filter(x -> x.name().equals(lossVar)).findFirst()
                    .orElseThrow(() -> new AssertionError("no loss variable " + lossVar));
            assertEquals("ARRAY", v.type());
            assertTrue(g.opNames().contains(v.outputOf()), "op " + v.outputOf() + " producing " + lossVar);
        }
        assertTrue(g.inputs().containsAll(List.of("input_ids", ThinkTuningLoss.RESPONSE_MASK,
                ThinkTuningLoss.TEACHER_MASK, ThinkTuningLoss.ADVANTAGES)), g.inputs().toString());
        assertEquals(model.graph().getOps().size(), g.ops().size());

        assertEquals(List.of(1, 2, 3), iterations(log.scalars().get("loss")));
        assertEquals(List.of(0.5, 0.25, 0.5 / 3), values(log.scalars().get("loss")));
        assertEquals(List.of(0.25, 0.5, 0.75), values(log.scalars().get("reward/mean")));
        assertEquals(List.of(2, 3), iterations(log.scalars().get("aas/weight_mean")), "NaN is left out");
        assertFalse(log.scalars().containsKey("step"), "the step is the x axis, not a series");

        List<UiLog.HistogramEvent> h = log.histograms().get(TrainingUiLog.HISTOGRAM_PREFIX + Q_PROJ);
        assertEquals(List.of(1, 2), h.stream().map(UiLog.HistogramEvent::iteration).toList(), "step 1, then every 2");
        double total = 0;
        for (double c : h.get(0).counts()) {
            total += c;
        }
        assertEquals(64 * 64, total);
        assertEquals(TrainingUiLog.HISTOGRAM_BINS, h.get(0).counts().length);
        assertTrue(h.get(0).min() < 0 && h.get(0).max() > 0);
        // a norm weight (all ones in the fixture or not) still gets a histogram with its values inside the range
        UiLog.HistogramEvent norm = log.histograms().get(TrainingUiLog.HISTOGRAM_PREFIX
                + "model.layers.0.input_layernorm.weight").get(0);
        assertTrue(norm.max() > norm.min());
    }

    @Test
    void summaryRouteDecodesTheLogOnTheServer() throws IOException {
        JsonNode s = new ObjectMapper().readTree(UiTesting.text(url("/thinktune/logs/" + NAME + "/summary")));
        assertEquals(NAME, s.get("name").asText());
        boolean found = false;
        for (JsonNode v : s.get("graph").get("variables")) {
            found |= v.get("name").asText().equals(Q_PROJ) && v.get("type").asText().equals("VARIABLE");
        }
        assertTrue(found);
        JsonNode loss = s.get("scalars").get("loss");
        assertEquals(3, loss.size());
        assertEquals(3, loss.get(2).get("iteration").asInt());
        assertEquals(0.5 / 3, loss.get(2).get("value").asDouble(), 1e-12);
    }

    @Test
    void listsLogsAndAnswers404ForUnknownNames() throws IOException {
        JsonNode list = new ObjectMapper().readTree(UiTesting.text(url("/thinktune/logs")));
        JsonNode run = null;
        for (JsonNode e : list) {
            if (e.get("name").asText().equals(NAME)) {
                run = e;
            }
        }
        assertNotNull(run, list.toString());
        assertEquals(logFile.toAbsolutePath().normalize().toString(), run.get("file").asText());
        assertEquals("/thinktune/samediff/run", run.get("graph").asText());
        assertTrue(UiTesting.text(url("/thinktune")).contains("href=\"/thinktune/samediff/run\""));
        assertEquals(404, UiTesting.get(url("/thinktune/logs/nope")).statusCode());
        assertEquals(404, UiTesting.get(url("/thinktune/samediff/nope")).statusCode());
    }

    @Test
    void aGrowingLogIsServedUpToItsLastCompleteRecord() throws IOException {
        Path copy = dir.resolve("growing.sdlog");
        Files.copy(logFile, copy);
        ui.register("growing", copy);
        int whole = UiTesting.get(url("/thinktune/logs/growing")).body().length;
        // a writer half-way through its next record: the length prefix and part of the flatbuffer
        Files.write(copy, new byte[]{0, 0, 0, 40, 0, 0, 0, 40, 1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        byte[] served = UiTesting.get(url("/thinktune/logs/growing")).body();
        assertEquals(whole, served.length);
        assertEquals(whole, UiLog.completeLength(Files.readAllBytes(copy)));
    }

    @Test
    void newStepsShowOnTheNextRead() throws IOException {
        Path live = dir.resolve("live.sdlog");
        try (TrainingUiLog l = TrainingUiLog.create(live, model.graph(), 0)) {
            ui.register("live", live);
            l.onStep(1, Map.of("loss", 1.0));
            assertEquals(1, UiLog.parse(UiTesting.get(url("/thinktune/logs/live")).body()).scalars().get("loss").size());
            l.onStep(2, Map.of("loss", 0.5));
            UiLog after = UiLog.parse(UiTesting.get(url("/thinktune/logs/live")).body());
            assertEquals(List.of(1.0, 0.5), values(after.scalars().get("loss")));
            assertTrue(after.histograms().isEmpty(), "histograms off");
        }
    }

    @Test
    void aSecondServerInTheSameJvmIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> UiServerLauncher.start("127.0.0.1", 0));
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }

    @Test
    void logNamesAreCheckedAndDerivedFromFileNames() {
        assertThrows(IllegalArgumentException.class, () -> ui.register("a/b", logFile));
        assertThrows(IllegalArgumentException.class, () -> ui.register("<script>", logFile));
        assertEquals("my_run_1", UiLogRegistry.nameFor(Path.of("/x/my run 1.sdlog")));
        assertEquals("ui", UiLogRegistry.nameFor(logFile));
    }

    private static List<Integer> iterations(List<UiLog.Scalar> s) {
        return s.stream().map(UiLog.Scalar::iteration).toList();
    }

    private static List<Double> values(List<UiLog.Scalar> s) {
        return s.stream().map(UiLog.Scalar::value).toList();
    }

    /**
     * The block views of the student graph with the ThinkTuning loss (this class's log of three training steps):
     * what the page opens on by default is the model's blocks, not its ops, and a block opens to exactly its ops;
     * the events of the log are kept in both.
     */
    @Nested
    class BlockViews {

        private UiLog fetch(String query) {
            HttpResponse<byte[]> r = UiTesting.get(url("/thinktune/logs/" + NAME + query));
            assertEquals(200, r.statusCode(), new String(r.body()));
            return UiLog.parse(r.body());
        }

        private List<String> expectedBlocks() {
            List<String> blocks = new ArrayList<>(List.of("inputs", "model.embed_tokens", "model.rotary_emb"));
            for (int i = 0; i < model.config().numLayers(); i++) {
                blocks.add("model.layers." + i);
            }
            blocks.addAll(List.of("model.norm", "lm_head", "logprobs", GraphBlocks.LOSS));
            return blocks;
        }

        @Test
        void theDefaultViewIsTheModelsBlocksWithTheArraysPassedBetweenThem() {
            UiLog full = fetch("");
            UiLog blocks = fetch("?view=blocks");
            assertTrue(full.graph().ops().size() > 100, "the whole graph has " + full.graph().ops().size() + " ops");
            assertEquals(expectedBlocks(), blocks.graph().opNames());
            UiLog.Op layer1 = blocks.graph().ops().stream().filter(o -> o.name().equals("model.layers.1")).findFirst()
                    .orElseThrow();
            assertEquals("decoder layer", layer1.opName());
            assertTrue(layer1.inputs().contains("model.layers.0/mlp_residual"), layer1.inputs().toString());
            assertTrue(layer1.inputs().stream().anyMatch(i -> i.startsWith("model.rotary_emb/")), layer1.toString());
            UiLog.Variable residual = blocks.graph().variables().stream()
                    .filter(v -> v.name().equals("model.layers.0/mlp_residual")).findFirst().orElseThrow();
            assertEquals("model.layers.0", residual.outputOf());
            assertTrue(blocks.graph().variables().stream().noneMatch(v -> v.type().equals("VARIABLE")),
                    "weights are counted on their blocks, not drawn");
            assertTrue(blocks.graph().inputs().contains(ThinkTuningLoss.ADVANTAGES));
            UiLog.Op loss = blocks.graph().ops().get(blocks.graph().ops().size() - 1);
            assertTrue(loss.inputs().contains(ThinkTuningLoss.ADVANTAGES), loss.toString());
            assertEquals(full.scalars(), blocks.scalars(), "the charts' events are kept");
            assertEquals(full.histograms().keySet(), blocks.histograms().keySet());
        }

        @Test
        void everyOpIsInExactlyOneBlockAndABlockOpensToItsOps() throws IOException {
            UiLog full = fetch("");
            JsonNode listed = new ObjectMapper().readTree(UiTesting.text(url(
                    "/thinktune/logs/" + NAME + "/blocks")));
            Set<String> seen = new HashSet<>();
            for (JsonNode b : listed) {
                b.path("ops").forEach(op -> assertTrue(seen.add(op.asText()), "op in two blocks: " + op));
            }
            assertEquals(new HashSet<>(full.graph().opNames()), seen);

            UiLog layer = fetch("?block=model.layers.1");
            List<String> want = full.graph().opNames().stream()
                    .filter(n -> n.startsWith("model.layers.1.") || n.startsWith("model.layers.1/")).toList();
            assertEquals(want, layer.graph().opNames());
            assertTrue(layer.graph().ops().stream().anyMatch(o -> o.name().startsWith("model.layers.1.self_attn/")
                    && o.opName().equals(CausalAttention.OP_NAME)), layer.graph().opNames().toString());
            UiLog.Variable from = layer.graph().variables().stream()
                    .filter(v -> v.name().equals("model.layers.0/mlp_residual")).findFirst().orElseThrow();
            assertEquals("PLACEHOLDER", from.type(), "what the block takes from another is its input");
            assertTrue(layer.graph().inputs().contains("model.layers.0/mlp_residual"));
            assertTrue(layer.graph().variables().stream().anyMatch(v -> v.name().equals(
                    "model.layers.1.self_attn.q_proj.weight") && v.type().equals("VARIABLE")));
            UiLog.Variable context = layer.graph().variables().stream()
                    .filter(v -> v.name().equals("model.layers.1.self_attn/context")).findFirst().orElseThrow();
            assertTrue(layer.graph().opNames().contains(context.outputOf()), "the named arrays of the block");

            UiLog attention = fetch("?block=model.layers.1.self_attn");
            assertTrue(attention.graph().opNames().stream().allMatch(n -> n.startsWith("model.layers.1.self_attn/")));
            assertTrue(attention.graph().opNames().size() < want.size());

            UiLog loss = fetch("?block=" + GraphBlocks.LOSS);
            for (String term : List.of(ThinkTuningLoss.LOSS, ThinkTuningLoss.RATIO, ThinkTuningLoss.W,
                    ThinkTuningLoss.K3)) {
                UiLog.Variable v = loss.graph().variables().stream().filter(x -> x.name().equals(term)).findFirst()
                        .orElseThrow(() -> new AssertionError("loss block without " + term));
                assertTrue(loss.graph().opNames().contains(v.outputOf()), term);
            }
            assertEquals(full.scalars(), loss.scalars());
        }

        @Test
        void anUnknownBlockOrViewIsRefusedNamingWhatExists() throws IOException {
            HttpResponse<byte[]> r = UiTesting.get(url("/thinktune/logs/"
                    + NAME + "?block=model.layers.99"));
            assertEquals(404, r.statusCode());
            String body = new String(r.body());
            assertTrue(body.contains("model.layers.99") && body.contains("model.layers.0") && body.contains("loss"),
                    body);
            assertEquals(400, UiTesting.get(url("/thinktune/logs/" + NAME + "?view=tree")).statusCode());
            byte[] bytes = Files.readAllBytes(logFile);
            assertThrows(IllegalArgumentException.class, () -> GraphBlocks.opened(bytes, "nothing"));
        }

        @Test
        void thePageOpensOnTheBlocks() {
            String script = UiTesting.text(url("/thinktune/samediff-thinktune.js"));
            assertTrue(script.contains("\"blocks\"") && script.contains("?view=blocks"),
                    "the page asks for the blocks");
        }
    }
}
