package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.train.NextTokenLoss;
import dev.thinktune.train.MemoryPlan;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelBenchTest {

    @Test
    void tinyForwardTrainAndSoakPrintTheCommonFields() throws Exception {
        List<BenchResult> printed = new ArrayList<>();
        List<BenchResult> results = new ModelBench(0, 1, 3, 0, false, false).run(BenchSize.TINY, printed::add);
        assertEquals(results, printed, "each result is printed as it is measured");
        assertEquals(List.of("forward", "train", "train-soak"), results.stream().map(BenchResult::mode).toList());
        ObjectMapper json = new ObjectMapper();
        for (BenchResult r : results) {
            JsonNode o = json.readTree(r.toJson());
            for (String key : List.of("bench", "size", "batch", "mode", "tokens_per_s", "seconds", "peak_rss_mb")) {
                assertTrue(o.has(key), key + " in " + o);
            }
            assertEquals("model", o.get("bench").asText());
            assertEquals("tiny", o.get("size").asText());
            assertEquals(8, o.get("batch").asInt());
            assertTrue(r.seconds() > 0 && r.peakRssMb() > 0, r.toText());
            assertEquals(8 * 128 / r.seconds(), r.tokensPerSecond(), 1e-6 * r.tokensPerSecond());
        }
        JsonNode soak = json.readTree(results.get(2).toJson());
        assertEquals(3, soak.get("steps").asInt());
        assertEquals(soak.get("rss_max_after_settle_mb").asDouble() - soak.get("rss_after_settle_mb").asDouble(),
                soak.get("rss_growth_mb").asDouble(), 0.01);
        assertEquals(3, soak.get("rss_each_tenth_mb").size(), "one reading a step when the soak has under 10 steps");
        assertEquals(3, soak.get("java_heap_committed_each_tenth_mb").size());
    }

    @Test
    void anOpProfileListsTheGraphsOpsWithTheirCallsAndTime() throws Exception {
        List<BenchResult> results = new ModelBench(0, 1, 0, 0, false, true).run(BenchSize.TINY, r -> { });
        assertEquals(List.of("forward", "train", "op_profile", "op_profile"),
                results.stream().map(BenchResult::mode).toList());
        ObjectMapper json = new ObjectMapper();
        for (int i = 2; i < 4; i++) {
            JsonNode row = json.readTree(results.get(i).toJson());
            assertEquals(i == 2 ? "forward" : "train", row.get("phase").asText());
            java.util.Map<String, JsonNode> ops = new java.util.HashMap<>();
            double sum = 0, last = Double.MAX_VALUE;
            for (JsonNode op : row.get("ops")) {
                ops.put(op.get("op").asText(), op);
                sum += op.get("seconds").asDouble();
                assertTrue(op.get("seconds").asDouble() <= last, "the most time first: " + row);
                last = op.get("seconds").asDouble();
            }
            // tiny has 4 layers: one attention op per layer, forward; its gradient op per layer when training
            assertEquals(4, ops.get("thinktune_causal_attention").get("calls").asInt(), row.toString());
            assertEquals(i == 3, ops.containsKey("thinktune_causal_attention_bp"), row.toString());
            assertEquals(row.get("op_seconds").asDouble(), sum, 1e-3 * ops.size() + 1e-3);
            assertTrue(row.get("op_seconds").asDouble() <= row.get("seconds").asDouble(), row.toString());
        }
    }

    @Test
    void theCommandPrintsOneJsonLinePerResultAndRefusesUnknownSizes() throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new dev.thinktune.cli.BenchModelCommand());
        cli.setOut(new java.io.PrintWriter(text));
        assertEquals(0, cli.execute("--sizes", "TINY", "--warmup", "0", "--iterations", "1", "--json", "--no-torch"));
        List<String> lines = text.toString().lines().toList();
        assertEquals(2, lines.size(), text.toString());
        assertEquals("forward", new ObjectMapper().readTree(lines.get(0)).get("mode").asText());
        assertEquals("train", new ObjectMapper().readTree(lines.get(1)).get("mode").asText());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchSize.of("medium"));
        assertTrue(e.getMessage().contains("unknown size 'medium'"), e.getMessage());
    }

    @Test
    void microBatchGradientsAddUpToTheWholeBatchGradient() {
        BenchSize size = BenchSize.TINY;
        ModelWeights weights = ModelWeights.initialize(size.config(), 0.02, 7);
        StudentModel model = StudentModel.of(weights);
        NextTokenLoss.attach(model);
        GradientRunner runner = new GradientRunner(model.graph(), new ArrayList<>(weights.tensors().keySet()),
                List.of(NextTokenLoss.LOSS));
        int b = size.batch(), t = size.seqLen();
        Map<String, INDArray> whole = new HashMap<>();
        double wholeLoss;
        try (GradientRunner.Result r = runner.run(ModelBench.placeholders(size, 0, b, b, t))) {
            r.gradients().forEach((k, g) -> whole.put(k, g.dup()));
            wholeLoss = r.outputs().get(NextTokenLoss.LOSS).getDouble(0);
        }
        Map<String, INDArray> summed = new HashMap<>();
        double summedLoss = 0;
        for (int first = 0; first < b; first += 2) {
            Map<String, INDArray> ph = ModelBench.placeholders(size, first, 2, b, t);
            assertEquals(2, ph.get("input_ids").size(0));
            try (GradientRunner.Result r = runner.run(ph)) {
                r.gradients().forEach((k, g) -> summed.merge(k, g.dup(), INDArray::addi));
                summedLoss += r.outputs().get(NextTokenLoss.LOSS).getDouble(0);
            }
        }
        assertEquals(wholeLoss, summedLoss, 1e-5 * Math.abs(wholeLoss));
        for (String k : whole.keySet()) {
            double scale = whole.get(k).norm2Number().doubleValue();
            double diff = whole.get(k).sub(summed.get(k)).norm2Number().doubleValue();
            assertTrue(diff <= 1e-4 * scale, k + ": |whole - sum of micro-batches| = " + diff + " of " + scale);
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ModelBench(0, 0, 0, 0, false, false));
        assertThrows(IllegalArgumentException.class, () -> new ModelBench(0, 1, -1, 0, false, false));
        assertThrows(IllegalArgumentException.class, () -> new ModelBench(0, 1, 0, -1, false, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelBench(0, 1, 0, 3, false, false).run(BenchSize.TINY, r -> { }));
        assertTrue(e.getMessage().contains("micro-batch 3 does not divide the batch of 8"), e.getMessage());
    }

    @Test
    void torchRowsFollowWithTheCommonFieldsOnTheSameShapes() throws Exception {
        Assumptions.assumeTrue(TorchPeer.python().isPresent(), "no python3 here imports torch");
        List<BenchResult> results = new ModelBench(0, 1, 0, 2, true, false).run(BenchSize.TINY, r -> { });
        assertEquals(List.of("forward", "train", "torch", "torch"), results.stream().map(BenchResult::mode).toList());
        ObjectMapper json = new ObjectMapper();
        for (BenchResult r : results.subList(2, 4)) {
            JsonNode o = json.readTree(r.toJson());
            for (String key : List.of("bench", "size", "batch", "mode", "tokens_per_s", "seconds", "peak_rss_mb",
                    "phase", "seq_len", "build_seconds")) {
                assertTrue(o.has(key), key + " in " + o);
            }
            assertEquals("model", o.get("bench").asText());
            assertEquals("tiny", o.get("size").asText());
            assertEquals(8, o.get("batch").asInt());
            assertEquals(128, o.get("seq_len").asInt());
            assertEquals(BenchSize.TINY.config().parameterCount(), o.get("parameters").asLong(),
                    "the peer builds the same architecture");
            assertTrue(r.seconds() > 0 && r.peakRssMb() > 0, r.toText());
            assertEquals(8 * 128 / r.seconds(), r.tokensPerSecond(), 1e-3 * r.tokensPerSecond());
        }
        assertEquals(List.of("forward", "train"), results.subList(2, 4).stream()
                .map(r -> r.extra().get("phase")).toList());
        assertEquals(2, results.get(3).extra().get("micro_batch"), "the same micro-batches as the Java step");
        assertTrue(results.get(0).extra().containsKey("build_seconds"), results.get(0).toText());
    }

    @Test
    void aSizeWhoseTrainingStepCannotFitIsRefusedWithItsPlanBeforeAnythingIsBuilt() {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new dev.thinktune.cli.BenchModelCommand());
        cli.setOut(new java.io.PrintWriter(out));
        cli.setErr(new java.io.PrintWriter(err));
        assertEquals(1, cli.execute("--sizes", "llama-3.2-3b", "--micro-batch", "2", "--no-torch", "--json"));
        assertEquals("", out.toString(), "no rows");
        String m = err.toString();
        MemoryPlan plan = ModelBench.plan(BenchSize.LLAMA_3_2_3B, 2);
        assertTrue(m.startsWith("bench model llama-3.2-3b: refused: a training step of llama-3.2-3b (8 x 256 tokens, "
                + "micro-batch 2) needs " + MemoryPlan.gb(plan.total()) + ", the machine has "), m);
        assertTrue(m.contains("student weights, float32: 3,212,749,824 parameters x 4 bytes"), m);
        String one = MemoryPlan.gb(ModelBench.plan(BenchSize.LLAMA_3_2_3B, 1).total());
        assertTrue(m.contains("with --micro-batch 1: " + one), m);
        assertTrue(m.contains("sizes whose step fits with --micro-batch 1: --sizes tiny, small, tiny-v128k"), m);
        assertFalse(m.substring(m.indexOf("--sizes")).contains("llama-3.2-3b"), m);
    }
}
