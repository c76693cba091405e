package dev.thinktune.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MetricsLogTest {
    @TempDir
    Path tmp;

    private static Map<String, Double> row(int step, double reward) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("step", (double) step);
        m.put("reward/mean", reward);
        return m;
    }

    @Test
    void aResumedRunKeepsTheRowsUpToItsStepAndLeavesNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("metrics.csv");
        try (MetricsLog log = new MetricsLog(f)) {
            log.append(row(1, 0.25));
            log.append(row(2, 0.5));
            log.append(row(3, 0.75));
        }
        try (MetricsLog log = new MetricsLog(f)) {
            log.truncateAfter(2);
            log.append(row(3, 1.0));
        }
        List<Map<String, Double>> rows = MetricsLog.read(f);
        assertEquals(List.of(1.0, 2.0, 3.0), rows.stream().map(r -> r.get("step")).toList());
        assertEquals(List.of(0.25, 0.5, 1.0), rows.stream().map(r -> r.get("reward/mean")).toList());
        assertEquals("step,reward/mean", Files.readAllLines(f).get(0), "one header, the original columns");
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("metrics.csv"), files.map(p -> p.getFileName().toString()).toList(),
                    "the rewrite goes through a temporary file renamed over the log");
        }
    }
}
