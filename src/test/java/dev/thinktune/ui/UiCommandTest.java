package dev.thinktune.ui;

import dev.thinktune.cli.Main;
import dev.thinktune.cli.UiCommand;
import dev.thinktune.model.StudentModel;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.train.ThinkTuningLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code thinktune ui}: its options, and a run serving a log until its thread is stopped. */
class UiCommandTest {

    @TempDir
    Path dir;

    private static int exitCode(String... args) {
        PrintStream oldErr = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return Main.run(args);
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void needsExactlyOneOfModelAndLog() {
        assertEquals(2, exitCode("ui"));
        assertEquals(2, exitCode("ui", "--model", "m", "--log", "l"));
        assertEquals(2, exitCode("ui", "--log", "l", "--with-loss"));
        assertEquals(2, exitCode("ui", "--log", "l", "--port", "70000"));
        assertEquals(1, exitCode("ui", "--log", dir.resolve("missing.sdlog").toString(), "--port", "0"));
    }

    @Test
    void refusesAFileThatIsNotAUiLog() throws Exception {
        Path notALog = Files.writeString(dir.resolve("notes.txt"), "step,loss\n1,0.5\n");
        assertEquals(1, exitCode("ui", "--log", notALog.toString(), "--port", "0"));
        assertTrue(UiTesting.vertxThreads().isEmpty(), "no server was started");
    }

    @Test
    void modelGraphsAreTheStudentAndTheStudentWithTheLoss() {
        Path model = Fixtures.model("tiny-llama3");
        var both = GraphLogWriter.writeStudentGraphs(StudentModel.load(model), dir, false);
        assertEquals(2, both.size());
        UiLog student = UiLog.read(both.get("student"));
        UiLog withLoss = UiLog.read(both.get("student-thinktune-loss"));
        assertTrue(student.graph().variableNames().contains(UiServerTest.Q_PROJ));
        assertFalse(student.graph().variableNames().contains(ThinkTuningLoss.LOSS));
        assertTrue(withLoss.graph().variableNames().contains(ThinkTuningLoss.LOSS));
        assertTrue(withLoss.graph().ops().size() > student.graph().ops().size());
        assertTrue(student.scalars().isEmpty() && student.histograms().isEmpty());
        assertEquals(StudentModel.load(model).graph().getOps().size(), student.graph().ops().size());

        var lossOnly = GraphLogWriter.writeStudentGraphs(StudentModel.load(model), dir.resolve("only"), true);
        assertEquals(java.util.List.of("student-thinktune-loss"), java.util.List.copyOf(lossOnly.keySet()));
    }

    @Test
    void servesALogUntilStoppedAndLeavesNoServerThreads() throws Exception {
        Path log = GraphLogWriter.writeStudentGraphs(StudentModel.load(Fixtures.model("tiny-llama3")), dir, true).get("student-thinktune-loss");
        Path named = Files.move(log, dir.resolve("trainer graph.sdlog"));
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new UiCommand());
        cli.setOut(new PrintWriter(out, true));
        AtomicInteger code = new AtomicInteger(-1);
        Thread t = new Thread(() -> code.set(cli.execute("--log", named.toString(), "--port", "0")), "ui-command");
        t.start();

        Pattern url = Pattern.compile("trainer_graph: graph  (http://127\\.0\\.0\\.1:\\d+/thinktune/samediff/trainer_graph)");
        Matcher m = url.matcher("");
        long end = System.nanoTime() + 60_000_000_000L;
        while (t.isAlive() && System.nanoTime() < end && !(m = url.matcher(out.toString())).find()) {
            Thread.sleep(50);
        }
        assertTrue(m.find(0), "no address printed: " + out);
        URI page = URI.create(m.group(1));
        assertTrue(UiTesting.text(page).contains("var thinktuneLog = \"trainer_graph\";"));
        assertTrue(UiTesting.text(page.resolve("/thinktune/samediff/trainer_graph?page=plots&refresh=5"))
                .contains("samediff-thinktune.js"));
        assertTrue(out.toString().contains("Press Ctrl-C to stop."));

        t.interrupt();
        t.join(30_000);
        assertFalse(t.isAlive(), "the command did not return after being interrupted");
        assertEquals(0, code.get());
        assertTrue(out.toString().contains("UI server stopped."), out.toString());
        assertTrue(UiTesting.awaitNoVertxThreads(15).isEmpty(), "Vert.x threads left: " + UiTesting.vertxThreads());
    }
}
