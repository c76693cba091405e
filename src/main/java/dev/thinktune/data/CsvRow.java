package dev.thinktune.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One record of a CSV dataset with a header, with its location; errors name the file, the line and the column. */
public final class CsvRow {

    private final Path file;
    private final long line;
    private final int index;
    private final Map<String, Integer> columns;
    private final List<String> fields;

    CsvRow(Path file, long line, int index, Map<String, Integer> columns, List<String> fields) {
        this.file = file;
        this.line = line;
        this.index = index;
        this.columns = columns;
        this.fields = fields;
    }

    public Path file() {
        return file;
    }

    /** The line the record starts on (records may span lines). */
    public long line() {
        return line;
    }

    /** The 0-based index of the record among the data records. */
    public int index() {
        return index;
    }

    /** "test.csv:12": the id of a row that has none of its own. */
    public String defaultId() {
        return file.getFileName() + ":" + line;
    }

    public DataFormatException error(String column, String detail) {
        return new DataFormatException(file, line, column, detail);
    }

    /** A required, non-blank cell, stripped of surrounding white space. */
    public String text(String column) {
        if (!columns.containsKey(column)) {
            throw error(column, "no such column; the header has " + columns.keySet());
        }
        return optText(column).orElseThrow(() -> error(column, "empty"));
    }

    /** A cell when the column exists and the cell is not blank, stripped. */
    public Optional<String> optText(String column) {
        Integer i = columns.get(column);
        if (i == null || i >= fields.size()) {
            return Optional.empty();
        }
        String s = fields.get(i).strip();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
