package dev.thinktune.cli;

import dev.thinktune.model.StudentModel;
import dev.thinktune.ui.GraphLogWriter;
import dev.thinktune.ui.UiLog;
import dev.thinktune.ui.UiLogRegistry;
import dev.thinktune.ui.UiServerLauncher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code thinktune ui}: the Deeplearning4j UI server on this machine, showing a student's SameDiff graph (with
 * and without the ThinkTuning loss) or the UI logs of training runs, until Ctrl-C.
 */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = {"Serve the Deeplearning4j UI with SameDiff graphs and training charts.",
                "With --model: the student's graph and the same graph with the ThinkTuning loss attached "
                        + "(the trainer's graph), as two logs; --with-loss shows only the latter. The graph page "
                        + "opens on the model's blocks; each opens to its ops.",
                "With --log: UI logs written by 'train --ui', re-read on every request, so a running "
                        + "training is followed live on the charts page.",
                "Prints the addresses to open and runs until Ctrl-C."})
public final class UiCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9000", paramLabel = "PORT",
            description = "port to listen on, 0 for a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = UiServerLauncher.DEFAULT_HOST, paramLabel = "HOST",
            description = "interface to listen on (default: ${DEFAULT-VALUE}, this machine only)")
    String host;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model directory of the student")
        Path model;

        @Option(names = "--log", paramLabel = "FILE", description = "a SameDiff UI log (repeatable)")
        List<Path> logs;
    }

    @Option(names = "--with-loss",
            description = "with --model: only the graph with the ThinkTuning loss attached (default: both graphs)")
    boolean withLoss;

    @Option(names = "--out", paramLabel = "DIR",
            description = "with --model: keep the graph logs in DIR (default: a temporary folder removed on exit)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be 0 to 65535, got " + port);
        }
        if (source.model == null && (withLoss || out != null)) {
            throw new ParameterException(spec.commandLine(), "--with-loss and --out go with --model");
        }
        PrintWriter o = spec.commandLine().getOut();
        Path temp = null;
        Map<String, Path> logs = new LinkedHashMap<>();
        if (source.model != null) {
            Path dir = out;
            if (dir == null) {
                temp = Files.createTempDirectory("thinktune-ui-");
                dir = temp;
            }
            logs.putAll(GraphLogWriter.writeStudentGraphs(StudentModel.load(source.model), dir, withLoss));
        } else {
            for (Path f : source.logs) {
                if (!Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("no such log file: " + f);
                }
                byte[] bytes = Files.readAllBytes(f);
                if (bytes.length > 0 && UiLog.completeLength(bytes) == 0) {
                    throw new IllegalArgumentException("not a SameDiff UI log: " + f);
                }
                UiLog.parse(bytes);   // fails early on a damaged log
                logs.put(uniqueName(logs, UiLogRegistry.nameFor(f)), f);
            }
        }

        UiServerLauncher ui = UiServerLauncher.start(host, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Path tempDir = temp;
        Thread hook = new Thread(() -> {
            ui.close();
            deleteTree(tempDir);
            stopped.countDown();
        }, "thinktune-ui-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        logs.forEach(ui::register);

        o.printf("Deeplearning4j UI at %s (SameDiff page: %s/samediff)%n", ui.baseUrl(), ui.baseUrl());
        for (String name : logs.keySet()) {
            o.printf("  %s: graph  %s%n", name, ui.graphUrl(name));
            o.printf("  %s  charts %s%n", " ".repeat(name.length()), ui.liveUrl(name));
        }
        if (!logs.isEmpty()) {
            o.println("Graph pages open on the model's blocks (embedding, layers, head, loss): add ?block=NAME to open"
                    + " one (e.g. ?block=model.layers.0), ?view=ops for every op.");
        }
        o.printf("Index: %s/thinktune. Press Ctrl-C to stop.%n", ui.baseUrl());
        o.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // stopped from within the JVM (tests, an embedding program): shut down as Ctrl-C would
            Thread.currentThread().interrupt();
        }
        if (stopped.getCount() > 0) {
            Runtime.getRuntime().removeShutdownHook(hook);
            ui.close();
            deleteTree(tempDir);
            o.println("UI server stopped.");
            o.flush();
        }
        return 0;
    }

    private static String uniqueName(Map<String, Path> taken, String name) {
        String n = name;
        for (int i = 2; taken.containsKey(n); i++) {
            n = name + "-" + i;
        }
        return n;
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary folder; the system cleans it eventually
        }
    }
}
