package dev.thinktune.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/thinktune-memory: the JVM's memory options from the machine's memory, against hand-computed values. */
class LauncherMemoryTest {
    private static final long GIB = 1L << 30;
    private static final Pattern OPTIONS = Pattern.compile(
            "-Xmx(\\d+)m -Dorg\\.bytedeco\\.javacpp\\.maxbytes=(\\d+)m -Dorg\\.bytedeco\\.javacpp\\.maxphysicalbytes=(\\d+)m");

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "bash";
        cmd[1] = "bin/thinktune-memory";
        System.arraycopy(args, 0, cmd, 2, args.length);
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, err);
    }

    /** heap, maxbytes and maxphysicalbytes in MiB. */
    private static long[] options(String... args) throws Exception {
        Run r = run(args);
        assertEquals(0, r.exit(), r.err());
        Matcher m = OPTIONS.matcher(r.out());
        assertTrue(m.matches(), r.out());
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    @Test
    void optionsFollowTheRuleForSeveralMachines() throws Exception {
        // 24 GiB: reserve 24/16 = 1.5 GiB, usable 22.5 GiB = 23,040 MiB, heap half of it
        assertEquals(java.util.List.of(11_520L, 23_040L, 23_040L), list(options(Long.toString(24 * GIB))));
        // 8 GiB: 8/16 = 0.5 GiB is under the 1 GiB floor, so usable 7 GiB = 7,168 MiB
        assertEquals(java.util.List.of(3_584L, 7_168L, 7_168L), list(options(Long.toString(8 * GIB))));
        // 64 GiB: reserve 4 GiB, usable 60 GiB
        assertEquals(java.util.List.of(30_720L, 61_440L, 61_440L), list(options(Long.toString(64 * GIB))));
        // MemTotal 24,683,748 kB = 25,276,157,952 bytes: reserve 1,579,759,872, usable 23,696,398,080 bytes
        // = 22,598.6 MiB, heap 11,848,199,040 bytes = 11,299.3 MiB (rounded down)
        assertEquals(java.util.List.of(11_299L, 22_598L, 22_598L), list(options("25276157952")));
    }

    @Test
    void tooLittleMemoryAndMalformedArgumentsAreRefusedByName() throws Exception {
        Run small = run(Long.toString(GIB));
        assertEquals(1, small.exit());
        assertTrue(small.err().contains("1024 MiB") && small.err().contains("at least 2048 MiB"), small.err());
        Run bad = run("24G");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("'24G'") && bad.err().contains("whole number"), bad.err());
    }

    @Test
    void thisMachinesOptionsFitItsMemory() throws Exception {
        long memTotalKb = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                .findFirst().orElseThrow();
        long[] o = options();
        assertTrue(o[2] * 1024 < memTotalKb, "usable memory under MemTotal");
        assertEquals(o[1], o[2]);
        assertEquals(o[2] / 2, o[0], 1.0, "the heap's maximum is half of the usable memory");
    }

    private static java.util.List<Long> list(long[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
