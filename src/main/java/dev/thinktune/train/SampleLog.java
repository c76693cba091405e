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

    /** Keeps only lines with {@code step <= lastStep} (for a resumed run); an unreadable line is an error. */
    public void truncateAfter(int lastStep) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            List<String> kept = new ArrayList<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode step = JSON.readTree(line).get("step");
                if (step == null || !step.canConvertToInt()) {
                    throw new IllegalStateException("cannot read samples " + file + ": line " + lineNo
                            + " has no integer \"step\"");
                }
                if (step.asInt() <= lastStep) {
                    kept.add(line);
                }
            }
            StringBuilder text = new StringBuilder();
            kept.forEach(line -> text.append(line).append(System.lineSeparator()));
            AtomicFiles.writeString(file, text.toString()); // a crash here leaves the old file whole
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read samples " + file + ": " + e.getMessage(), e);
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
