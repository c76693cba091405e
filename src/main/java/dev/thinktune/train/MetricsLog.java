package dev.thinktune.train;

import dev.thinktune.model.AtomicFiles;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
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
    /** CSV with one row per line ending in a newline, as {@link LogLines} reads it back. */
    private static final CSVFormat LINES = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();

    private final Path file;
    private List<String> columns;
    private CSVPrinter printer;

    public MetricsLog(Path file) {
        this.file = file;
    }

    /**
     * Keeps only rows with {@code step <= lastStep} (for a resumed run). A torn last row, left by a write that was
     * cut short, is dropped; returns a warning saying so, or null.
     */
    public String truncateAfter(int lastStep) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        List<String> header = new ArrayList<>();
        LogLines log = LogLines.read(file, line -> {
            List<String> cells = cells(line);
            if (cells == null) {
                return false;
            }
            if (header.isEmpty()) {
                header.addAll(cells);
                return cells.contains("step");
            }
            return cells.size() == header.size() && isInteger(cells.get(header.indexOf("step")));
        }, "metrics");
        StringBuilder text = new StringBuilder();
        if (!log.lines().isEmpty()) {
            columns = new ArrayList<>(header);
            int stepColumn = header.indexOf("step");
            text.append(log.lines().get(0)).append('\n');
            for (String line : log.lines().subList(1, log.lines().size())) {
                if (Integer.parseInt(cells(line).get(stepColumn)) <= lastStep) {
                    text.append(line).append('\n');
                }
            }
        }
        AtomicFiles.writeString(file, text.toString()); // a crash here leaves the old file whole
        return log.warning(file);
    }

    /** The cells of one CSV line, or null when it is not one. */
    private static List<String> cells(String line) {
        try (CSVParser p = CSVFormat.DEFAULT.parse(new StringReader(line))) {
            List<CSVRecord> records = p.getRecords();
            return records.size() == 1 ? records.get(0).toList() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isInteger(String s) {
        try {
            Integer.parseInt(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Whether a metric is a timing or a rate ({@code time/...}, {@code ..._per_s}, {@code step_seconds}): these
     * differ between runs of the same inputs, so a run keeps them in {@code timings.csv}, apart from its metrics.
     */
    public static boolean isTiming(String metric) {
        return metric.startsWith("time/") || metric.endsWith("_per_s") || metric.equals("step_seconds");
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
                printer = new CSVPrinter(w, LINES);
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
