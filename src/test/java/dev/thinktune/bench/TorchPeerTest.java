package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TorchPeerTest {
    @Test
    void thePeerRunsWithPassiveOpenMpMallocReuseAndNoneOfNd4jsOpenBlasSettings() throws Exception {
        String script = "printf '{\"wait\":\"%s\",\"arena\":\"%s\",\"trim\":\"%s\",\"mmap\":\"%s\",\"coretype\":\"%s\","
                + "\"l2\":\"%s\"}\\nnot a row\\n' \"$OMP_WAIT_POLICY\" \"$MALLOC_ARENA_MAX\" \"$MALLOC_TRIM_THRESHOLD_\" "
                + "\"$MALLOC_MMAP_THRESHOLD_\" \"${OPENBLAS_CORETYPE-unset}\" \"${OPENBLAS_L2_SIZE-unset}\"";
        List<JsonNode> rows = TorchPeer.runJsonLines(List.of("sh", "-c", script));
        assertEquals(1, rows.size(), "only the JSON line is a row");
        JsonNode env = rows.get(0);
        // what this JVM's environment sets is kept; what it does not is set to the peer's fastest
        assertEquals(Objects.requireNonNullElse(System.getenv("OMP_WAIT_POLICY"), "PASSIVE"), env.get("wait").asText());
        assertEquals(Objects.requireNonNullElse(System.getenv("MALLOC_ARENA_MAX"), "1"), env.get("arena").asText());
        assertEquals(Objects.requireNonNullElse(System.getenv("MALLOC_TRIM_THRESHOLD_"), "268435456"),
                env.get("trim").asText());
        assertEquals(Objects.requireNonNullElse(System.getenv("MALLOC_MMAP_THRESHOLD_"), "268435456"),
                env.get("mmap").asText());
        assertEquals("unset", env.get("coretype").asText());
        assertEquals("unset", env.get("l2").asText());
    }
}
