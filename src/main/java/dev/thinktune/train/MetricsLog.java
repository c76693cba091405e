package dev.thinktune.train;

import dev.thinktune.model.AtomicFiles;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-step metrics in a CSV file (one row per step, one column per metric name, in first-seen order). A
 * resumed run keeps the rows up to its step and continues the file.
 */
public final class MetricsLog implements AutoCloseable {
    private final Path file;
    private List<String> columns;
    private CSVPrinter printer;

    public MetricsLog(Path file) {
        this.file = file;
    }

    /** Keeps only rows with {@code step <= lastStep} (for a resumed run). */
    public void truncateAfter(int lastStep) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        List<Map<String, String>> kept = new ArrayList<>();
        List<String> header;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            header = p.getHeaderNames();
            for (CSVRecord rec : p) {
                if (Integer.parseInt(rec.get("step")) <= lastStep) {
                    kept.add(rec.toMap());
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read metrics " + file + ": " + e.getMessage(), e);
        }
        columns = new ArrayList<>(header);
        StringWriter text = new StringWriter();
        try (CSVPrinter out = new CSVPrinter(text, CSVFormat.DEFAULT)) {
            out.printRecord(columns);
            for (Map<String, String> row : kept) {
                List<String> values = new ArrayList<>();
                columns.forEach(c -> values.add(row.getOrDefault(c, "")));
                out.printRecord(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AtomicFiles.writeString(file, text.toString()); // a crash here leaves the old file whole
    }

    /** Appends one row; the first row fixes the columns (later new names are ignored). */
    public void append(Map<String, Double> metrics) {
        try {
            if (printer == null) {
                boolean exists = Files.isRegularFile(file) && Files.size(file) > 0;
                if (columns == null) {
                    columns = new ArrayList<>(metrics.keySet());
                }
                Files.createDirectories(file.toAbsolutePath().getParent());
                Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                printer = new CSVPrinter(w, CSVFormat.DEFAULT);
                if (!exists) {
                    printer.printRecord(columns);
                }
            }
            List<String> values = new ArrayList<>();
            for (String c : columns) {
                Double v = metrics.get(c);
                values.add(v == null || v.isNaN() ? "" : format(v));
            }
            printer.printRecord(values);
            printer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics " + file, e);
        }
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Reads a metrics CSV back as rows of name to value (empty cells absent). */
    public static List<Map<String, Double>> read(Path file) {
        List<Map<String, Double>> rows = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            for (CSVRecord rec : p) {
                Map<String, Double> row = new LinkedHashMap<>();
                rec.toMap().forEach((k, v) -> {
                    if (!v.isEmpty()) {
                        row.put(k, Double.parseDouble(v));
                    }
                });
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics " + file, e);
        }
        return rows;
    }

    @Override
    public void close() {
        if (printer != null) {
            try {
                printer.close();
            } catch (IOException ignored) {
                // already flushed after every row
            }
            printer = null;
        }
    }
}
