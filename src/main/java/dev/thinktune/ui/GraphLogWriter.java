package dev.thinktune.ui;

import dev.thinktune.model.StudentModel;
import dev.thinktune.train.ObjectiveConfig;
import dev.thinktune.train.ThinkTuningLoss;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.graph.ui.LogFileWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the head of a SameDiff UI log, exactly as ND4J's {@code UIListener} does before its first iteration:
 * the graph structure, then the end-of-static-information marker after which events may follow. The SameDiff
 * page draws the graph from this head and the Plots tab from the events after it.
 */
public final class GraphLogWriter {
    /** Log name of the student's own graph (inputs to per-token log-probabilities). */
    public static final String STUDENT_LOG = "student";
    /** Log name of the student's graph with the ThinkTuning loss attached: the graph the trainer differentiates. */
    public static final String LOSS_LOG = "student-thinktune-loss";

    private GraphLogWriter() {
    }

    /**
     * Writes the graph logs of a student into {@code dir}: {@value #STUDENT_LOG}.sdlog (unless {@code lossOnly})
     * and {@value #LOSS_LOG}.sdlog, the same graph extended with the ThinkTuning loss (default objective) as the
     * trainer extends its own. Returns log name to file, in that order.
     */
    public static Map<String, Path> writeStudentGraphs(StudentModel student, Path dir, boolean lossOnly) {
        Map<String, Path> logs = new LinkedHashMap<>();
        if (!lossOnly) {
            logs.put(STUDENT_LOG, write(dir.resolve(STUDENT_LOG + ".sdlog"), student.graph()));
        }
        // a second graph over the same weight arrays, so the first stays as it was
        StudentModel withLoss = StudentModel.of(student.weights());
        ThinkTuningLoss.attach(withLoss, ObjectiveConfig.DEFAULTS);
        logs.put(LOSS_LOG, write(dir.resolve(LOSS_LOG + ".sdlog"), withLoss.graph()));
        return logs;
    }

    /** Writes a log holding {@code graph}'s structure and no events, replacing {@code file}. */
    public static Path write(Path file, SameDiff graph) {
        create(file, graph);
        return file;
    }

    /**
     * Starts a fresh log at {@code file} (an existing file is replaced: ND4J's writer cannot reopen a log that
     * holds histograms) and returns the writer, ready for {@code registerEventName} and events.
     */
    public static LogFileWriter create(Path file, SameDiff graph) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
            LogFileWriter w = new LogFileWriter(file.toFile());
            w.writeGraphStructure(graph);
            w.writeFinishStaticMarker();
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the UI log " + file + ": " + e.getMessage(), e);
        }
    }
}
