package dev.thinktune.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process, from /proc/self/status (Linux; NaN elsewhere), and its CPU time. */
public final class ProcessStats {
    private ProcessStats() {
    }

    /** Peak resident set size (VmHWM) in MB. */
    public static double peakRssMb() {
        return statusKb("VmHWM:") / 1024.0;
    }

    /**
     * Starts a new peak: resets VmHWM to the current resident set size (writes 5 to /proc/self/clear_refs), so
     * that {@link #peakRssMb()} measures the phase that follows. False where that is not possible.
     */
    public static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** CPU time this process has used (all threads, user and system), in nanoseconds; -1 where unknown. */
    public static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
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
