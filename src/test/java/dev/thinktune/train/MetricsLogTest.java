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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {
    @TempDir
    Path tmp;

    private static Map<String, Double> row(int step, double reward) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("step", (double) step);
        m.put("reward/mean", reward);
        return m;
    }

    /** A log of steps 1, 2, ... with these rewards. */
    private Path log(double... rewards) {
        Path f = tmp.resolve("metrics.csv");
        try (MetricsLog log = new MetricsLog(f)) {
            for (int i = 0; i < rewards.length; i++) {
                log.append(row(i + 1, rewards[i]));
            }
        }
        return f;
    }

    @Test
    void aResumedRunKeepsTheRowsUpToItsStepAndLeavesNoTemporaryFile() throws IOException {
        Path f = log(0.25, 0.5, 0.75);
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

    @Test
    void aTornLastRowIsDroppedLikeATornSamplesLineAndADamagedEarlierRowIsAnError() throws IOException {
        Path f = log(0.25, 0.5);
        Files.writeString(f, Files.readString(f) + "3,0.7"); // the row of step 3, cut short without its newline
        try (MetricsLog log = new MetricsLog(f)) {
            String warning = log.truncateAfter(3);
            assertTrue(warning != null && warning.contains("torn last line") && warning.contains("3,0.7"),
                    String.valueOf(warning));
            log.append(row(3, 0.75));
        }
        assertEquals(List.of(0.25, 0.5, 0.75), MetricsLog.read(f).stream().map(r -> r.get("reward/mean")).toList());
        assertEquals("step,reward/mean\n1,0.25\n2,0.5\n3,0.75\n", Files.readString(f));

        Files.writeString(f, "step,reward/mean\n1,0.25\n2\n3,0.75\n"); // a short row in the middle
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MetricsLog(f).truncateAfter(3));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void timingsAreTheColumnsThatDifferBetweenRunsOfTheSameInputs() {
        for (String t : List.of("time/rollout", "time/update", "step_seconds", "rollout_tokens_per_s")) {
            assertTrue(MetricsLog.isTiming(t), t);
        }
        for (String m : List.of("step", "reward/mean", "kl", "teacher/failures", "eval/accuracy")) {
            assertFalse(MetricsLog.isTiming(m), m);
        }
    }
}
