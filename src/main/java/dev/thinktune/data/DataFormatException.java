package dev.thinktune.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A row of a dataset file that cannot be read; the message is {@code file:line: field: detail}.
 * The line is 1-based (the first line of the row for multi-line CSV records, the line where the object starts
 * for JSON documents); 0 when the problem is not on one line.
 */
public class DataFormatException extends RuntimeException {

    private final Path file;
    private final long line;
    private final String field;
    private final String detail;

    public DataFormatException(Path file, long line, String field, String detail) {
        super(format(file, line, field, detail));
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
        this.field = Objects.requireNonNull(field, "field");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    public DataFormatException(Path file, long line, String field, String detail, Throwable cause) {
        this(file, line, field, detail);
        initCause(cause);
    }

    private static String format(Path file, long line, String field, String detail) {
        return file + (line > 0 ? ":" + line : "") + ": " + field + ": " + detail;
    }

    /** The file being read. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the row, 0 when unknown. */
    public long line() {
        return line;
    }

    /** The field or column at fault ("answer", "question.choices[2].label"); "json" or "csv" for syntax errors. */
    public String field() {
        return field;
    }

    /** What is wrong, without the location. */
    public String detail() {
        return detail;
    }
}
