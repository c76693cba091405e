package dev.thinktune.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.cli.BenchRolloutCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench rollout --json}: one object per line with the fields every benchmark row carries. */
class RolloutBenchTest {

    /** The JSON lines of a short run on the tiny size, with {@code more} options. */
    private static String[] tinyRows(String... more) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BenchRolloutCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        List<String> args = new ArrayList<>(List.of("--json", "--sizes", "tiny", "--batches", "2", "--new-tokens", "3",
                "--repeats", "1", "--nocache-budget", "0", "--no-torch"));
        args.addAll(List.of(more));
        assertEquals(0, cli.execute(args.toArray(String[]::new)));
        return out.toString().strip().split("\n");
    }

    @Test
    void jsonRowsCarryTheCommonFields() throws Exception {
        List<String> modes = new ArrayList<>();
        for (String line : tinyRows()) {
            JsonNode row = new ObjectMapper().readTree(line);
            for (String field : List.of("bench", "size", "batch", "mode", "tokens_per_s", "seconds", "peak_rss_mb")) {
                assertTrue(row.has(field), field + " missing in " + line);
            }
            assertEquals("rollout", row.get("bench").asText());
            assertEquals(6, row.get("new_tokens").asInt());
            assertTrue(row.get("tokens_per_s").asDouble() > 0, line);
            modes.add(row.get("mode").asText());
        }
        assertEquals(List.of("cache", "nocache"), modes);
    }

    /** With --lora-r the engine rows come twice, adapters off and on, the second with their bytes and overhead. */
    @Test
    void loraRankAddsTheAdaptedRowBesideTheBaseRow() throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : tinyRows("--lora-r", "4")) {
            rows.add(new ObjectMapper().readTree(line));
        }
        assertEquals(List.of("cache", "cache+lora4", "nocache"), rows.stream().map(r -> r.get("mode").asText()).toList());
        assertEquals(0, rows.get(0).get("lora_r").asInt());
        assertEquals(4, rows.get(1).get("lora_r").asInt());
        assertTrue(rows.get(1).get("adapter_bytes").asLong() > 0);
        assertTrue(rows.get(1).has("decode_overhead") && rows.get(1).has("cpu_decode_overhead"));
        assertTrue(rows.get(1).get("refresh_ms").asDouble() > 0);
        assertEquals(6, rows.get(1).get("new_tokens").asInt());
    }
}
