package dev.thinktune.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmarks' temporary checkpoint directories go away when closed, and when the JVM exits before that. */
class ScratchDirectoryTest {

    @Test
    void closingDeletesTheDirectoryAndWhatIsInIt() throws Exception {
        ScratchDirectory scratch = ScratchDirectory.create("thinktune-scratch-test-");
        Path dir = scratch.path();
        Files.createDirectories(dir.resolve("model"));
        Files.writeString(dir.resolve("model/config.json"), "{}");
        scratch.close();
        assertFalse(Files.exists(dir));
        scratch.close(); // twice: nothing left to do
    }

    @Test
    void aJvmThatExitsWithoutClosingItStillDeletesIt(@TempDir Path tmp) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), Leaver.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Path left = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(left.startsWith(tmp), out);
        assertFalse(Files.exists(left), "left behind: " + left);
    }

    /** Makes a scratch directory with a file in it, prints its path and exits without closing it. */
    static final class Leaver {
        public static void main(String[] args) throws Exception {
            ScratchDirectory scratch = ScratchDirectory.create("thinktune-scratch-test-");
            Files.writeString(scratch.path().resolve("model.safetensors"), "weights");
            System.out.println(scratch.path());
            System.exit(0);
        }
    }
}
