package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.train.MemoryPlan;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bench train's plumbing on the small size (the arith-tiny tokenizer has more ids than tiny's vocabulary): phases,
 * the settings in each row, the memory readings of the step.
 */
class TrainBenchTest {
    private static final Path TOKENIZER = Path.of("models/arith-tiny");

    @Test
    void smallStepReportsEveryPhaseWithItsSettingsAndTheMemoryOfEachStep() throws Exception {
        List<BenchResult> printed = new ArrayList<>();
        TrainBench.Settings s = new TrainBench.Settings(2, 2, 8, 4, 2, 4, TOKENIZER);
        List<BenchResult> rows = TrainBench.run(BenchSize.SMALL, s, printed::add);
        assertEquals(rows, printed);
        assertEquals(List.of("rollout", "teacher", "reward", "logprobs", "update", "step"),
                rows.stream().map(BenchResult::mode).toList());
        ObjectMapper json = new ObjectMapper();
        for (BenchResult r : rows) {
            JsonNode o = json.readTree(r.toJson());
            assertEquals(4, o.get("sequences").asInt());
            assertEquals(8, o.get("new_tokens").asInt());
            assertEquals(4, o.get("teacher_tokens").asInt());
            assertEquals(2, o.get("micro_batch").asInt());
            assertEquals(4, o.get("steps").asInt());
            assertTrue(o.get("build_seconds").asDouble() > 0, o.toString());
            assertTrue(o.get("build_peak_rss_mb").asDouble() > 0, o.toString());
        }
        assertEquals(2L * 2 * 8, rows.get(0).extra().get("tokens"), "rollout: 2 questions x 2 answers x 8 tokens");
        assertEquals(2L * 4, rows.get(1).extra().get("tokens"), "teacher: 4 tokens on one answer per question");
        JsonNode step = json.readTree(rows.get(5).toJson());
        assertEquals(4, step.get("rss_each_step_mb").size(), "one reading per measured step");
        assertEquals(2, step.get("rss_window_steps").asInt(), "halves of a run shorter than 20 steps");
        assertTrue(step.get("rss_flat").isBoolean());
        assertEquals(4, step.get("peak_each_step_mb").size(), "one peak per measured step");
        assertTrue(step.get("peak_flat").isBoolean());
        for (JsonNode peak : step.get("peak_each_step_mb")) {
            assertTrue(peak.asDouble() <= step.get("peak_rss_mb").asDouble() + 1, step.toString());
        }
    }

    @Test
    void flatMeansTheLastStepsWithinFivePercentOfTheFirst() {
        List<Long> flat = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            flat.add(i < 10 ? 1000L + i : 1040L + i); // last ten at most 1,059 against 1,009: +4.96%
        }
        Map<String, Object> f = TrainBench.flatness("rss_", flat);
        assertEquals(10, f.get("rss_window_steps"));
        assertEquals(1009L, f.get("rss_first_window_mb"));
        assertEquals(1059L, f.get("rss_last_window_mb"));
        assertEquals(true, f.get("rss_flat"));
        flat.set(19, 1060L); // +5.05%
        assertEquals(false, TrainBench.flatness("rss_", flat).get("rss_flat"));
        assertEquals(List.of(5L), TrainBench.flatness("rss_", List.of(5L)).get("rss_each_step_mb"));
        assertTrue(!TrainBench.flatness("rss_", List.of(5L)).containsKey("rss_flat"), "one step has nothing to compare");
    }

    @Test
    void theFullSizeRunOfTheLargestModelIsRefusedWithItsPlan() {
        TrainBench.Settings s = new TrainBench.Settings(8, 8, 256, 256, 2, 20, TOKENIZER);
        MemoryPlan.DoesNotFit e = assertThrows(MemoryPlan.DoesNotFit.class,
                () -> TrainBench.run(BenchSize.LLAMA_3_2_3B, s, r -> { }));
        assertTrue(e.getMessage().startsWith("a ThinkTuning step of llama-3.2-3b (8 questions x 8 answers of 256 "
                + "tokens, teacher 256 more, micro-batch 2) needs "), e.getMessage());
        assertTrue(e.getMessage().contains("rollout key/value cache: 64 sequences x "), e.getMessage());
        assertTrue(e.getMessage().contains("with --micro-batch 1: "), e.getMessage());
        assertTrue(e.getMessage().contains("--questions, --n, --new-tokens, --teacher-tokens"), e.getMessage());
    }
}
