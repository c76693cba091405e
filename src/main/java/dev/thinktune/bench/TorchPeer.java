package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a benchmark's PyTorch peer: a script under {@code scripts/} run by a python that imports torch, in the
 * environment that is fastest for PyTorch on this machine, printing one JSON object per result line.
 */
public final class TorchPeer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TorchPeer() {
    }

    /** {@code /usr/bin/python3} (where Debian's python3-torch installs) if it imports torch, else {@code python3}. */
    public static Optional<String> python() {
        for (String py : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return Optional.of(py);
                }
                p.destroy();
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * {@code scripts/<name>} beside the build (the project root of the jar or classes folder), else under the
     * working directory.
     */
    public static Optional<Path> script(String name) {
        List<Path> roots = new ArrayList<>();
        try {
            Path code = Path.of(TorchPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // target/thinktune.jar or target/classes -> the project root
            if (code.getParent() != null && code.getParent().getParent() != null) {
                roots.add(code.getParent().getParent());
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall back to the working directory
        }
        roots.add(Path.of("").toAbsolutePath());
        for (Path r : roots) {
            Path p = r.resolve("scripts").resolve(name);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code cmd} and returns its JSON lines; other output goes into the exception when it fails. The
     * environment: OpenMP threads sleep when idle ({@code OMP_WAIT_POLICY=PASSIVE} unless set: spinning threads
     * were 7 times slower on a shared 2-core machine), without {@code OPENBLAS_CORETYPE} and
     * {@code OPENBLAS_L2_SIZE}, which tune ND4J's OpenBLAS but slow PyTorch's kernels here, and with glibc malloc
     * keeping freed memory for reuse as the launcher sets it for thinktune (unless set): without it each of
     * PyTorch's megabyte-sized temporaries is a fresh mapping faulted in again (the tiny model's forward pass 0.11-0.14
     * s against 0.024 s, its training step 0.14-0.16 against 0.072 s). The peer's rows are then the same whether the
     * JVM was started by the launcher or not.
     */
    public static List<JsonNode> runJsonLines(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        env.remove("OPENBLAS_CORETYPE");
        env.remove("OPENBLAS_L2_SIZE");
        env.putIfAbsent("MALLOC_ARENA_MAX", "1");
        env.putIfAbsent("MALLOC_TRIM_THRESHOLD_", "268435456");
        env.putIfAbsent("MALLOC_MMAP_THRESHOLD_", "268435456");
        Process p = pb.start();
        List<JsonNode> rows = new ArrayList<>();
        StringBuilder other = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    rows.add(JSON.readTree(line));
                } else {
                    other.append(line).append('\n');
                }
            }
        }
        try {
            if (p.waitFor() != 0) {
                throw new IOException("exit " + p.exitValue() + ": " + other.toString().strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new IOException("interrupted");
        }
        return rows;
    }
}
