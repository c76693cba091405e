package dev.thinktune.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process, from /proc/self/status (Linux); NaN elsewhere. */
public final class ProcessStats {
    private ProcessStats() {
    }

    /** Peak resident set size (VmHWM) in MB. */
    public static double peakRssMb() {
        return statusKb("VmHWM:") / 1024.0;
    }

    /** Current resident set size (VmRSS) in MB. */
    public static double rssMb() {
        return statusKb("VmRSS:") / 1024.0;
    }

    private static double statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Double.parseDouble(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
