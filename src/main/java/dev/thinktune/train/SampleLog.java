package dev.thinktune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.thinktune.model.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The responses of each step in a JSON-lines file ({@code samples.jsonl} in the run directory), one
 * {@link SampleRecord} per line with snake_case keys, so that what the student writes can be read as training
 * goes. A resumed run keeps the lines up to its step and continues the file.
 */
public final class SampleLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final Path file;
    private BufferedWriter out;

    public SampleLog(Path file) {
        this.file = file;
    }

    /**
     * Keeps only lines with {@code step <= lastStep} (for a resumed run). A torn last line, left by a write that
     * was cut short, is dropped; returns a warning saying so, or null. An unreadable line before the last is an
     * error.
     */
    public String truncateAfter(int lastStep) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        LogLines log = LogLines.read(file, line -> step(line) != null, "samples");
        StringBuilder text = new StringBuilder();
        for (String line : log.lines()) {
            if (step(line) <= lastStep) {
                text.append(line).append('\n');
            }
        }
        AtomicFiles.writeString(file, text.toString()); // a crash here leaves the old file whole
        return log.warning(file);
    }

    /** The step of a samples line, or null when it is not a JSON object with an integer step. */
    private static Integer step(String line) {
        try {
            JsonNode step = JSON.readTree(line).get("step");
            return step != null && step.canConvertToInt() ? step.asInt() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Appends the records as lines and flushes them. */
    public void append(List<SampleRecord> records) {
        try {
            if (out == null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
            for (SampleRecord r : records) {
                out.write(JSON.writeValueAsString(r));
                out.write('\n');
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write samples " + file, e);
        }
    }

    /** Reads a samples file back. */
    public static List<SampleRecord> read(Path file) {
        List<SampleRecord> rows = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    rows.add(JSON.readValue(line, SampleRecord.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read samples " + file + ": " + e.getMessage(), e);
        }
        return rows;
    }

    @Override
    public void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out = null;
        }
    }
}
