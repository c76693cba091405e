package dev.thinktune.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The memory this machine gives the process: {@code MemTotal} of {@code /proc/meminfo}, or the cgroup's limit
 * when that is lower (a container), as {@code bin/thinktune-memory} reads it to size the JVM.
 */
public final class MachineMemory {
    private static final List<Path> CGROUP_LIMITS = List.of(Path.of("/sys/fs/cgroup/memory.max"),
            Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"));

    private MachineMemory() {
    }

    /** This machine's memory in bytes; the JVM's view of physical memory where /proc cannot be read. */
    public static long bytes() {
        long b = bytes(Path.of("/proc/meminfo"), CGROUP_LIMITS);
        if (b > 0) {
            return b;
        }
        java.lang.management.OperatingSystemMXBean os =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize()
                : Runtime.getRuntime().maxMemory();
    }

    /**
     * MemTotal of {@code meminfo}, lowered to the smallest numeric limit among {@code cgroupLimits}; 0 where
     * {@code meminfo} cannot be read.
     */
    static long bytes(Path meminfo, List<Path> cgroupLimits) {
        long total = 0;
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        for (Path p : cgroupLimits) {
            try {
                String v = Files.readString(p).strip();
                // "max" (cgroup v2) or a number near 2^63 (v1) mean no limit
                if (v.matches("[0-9]{1,18}")) {
                    total = Math.min(total, Long.parseLong(v));
                }
            } catch (IOException e) {
                // no such controller here
            }
        }
        return total;
    }
}
