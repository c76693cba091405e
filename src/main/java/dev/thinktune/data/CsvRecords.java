package dev.thinktune.data;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming RFC 4180 CSV tokenizer that knows the line each record starts on: fields separated by commas,
 * records by LF or CRLF, quoted fields ({@code "..."}, with {@code ""} for a quote) that may hold commas and line
 * breaks. Empty lines are skipped and a leading byte order mark is dropped.
 *
 * <p>Commons CSV 1.14 would do this, but it needs commons-io 2.17 or later at run time, and the ND4J dependency
 * tree resolves commons-io to 2.7, with which Commons CSV's parser cannot be loaded.
 */
final class CsvRecords {

    /** One record and the 1-based line it starts on. */
    record Record(long line, List<String> fields) {
    }

    /** A quoting error; reading cannot go on past it. */
    static final class SyntaxException extends Exception {
        final long line;

        SyntaxException(long line, String message) {
            super(message);
            this.line = line;
        }
    }

    private final Reader in;
    private long line = 1;
    private int pushedBack = -2;
    private boolean first = true;

    CsvRecords(Reader in) {
        this.in = in;
    }

    private int read() throws IOException {
        int c;
        if (pushedBack != -2) {
            c = pushedBack;
            pushedBack = -2;
        } else {
            c = in.read();
        }
        if (first) {
            first = false;
            if (c == '\uFEFF') {
                return read();
            }
        }
        return c;
    }

    private void unread(int c) {
        pushedBack = c;
    }

    /** The next record, or null at the end of the input. */
    Record next() throws IOException, SyntaxException {
        int c = read();
        while (c == '\n' || c == '\r') { // empty lines
            if (c == '\r') {
                int d = read();
                if (d != '\n') {
                    unread(d);
                }
            }
            line++;
            c = read();
        }
        if (c == -1) {
            return null;
        }
        long start = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        while (true) {
            if (c == '"' && field.isEmpty()) {
                long quoteLine = line;
                while (true) { // quoted field
                    c = read();
                    if (c == -1) {
                        throw new SyntaxException(quoteLine, "the quoted field opened on line " + quoteLine
                                + " is never closed");
                    }
                    if (c == '"') {
                        int d = read();
                        if (d == '"') {
                            field.append('"');
                            continue;
                        }
                        c = d;
                        break;
                    }
                    if (c == '\n') {
                        line++;
                    } else if (c == '\r') {
                        int d = read();
                        if (d != '\n') {
                            unread(d);
                            line++;
                            field.append('\n');
                            continue;
                        }
                        line++;
                        field.append("\r\n");
                        continue;
                    }
                    field.append((char) c);
                }
                if (c != ',' && c != '\n' && c != '\r' && c != -1) {
                    throw new SyntaxException(line, "unexpected character '" + (char) c
                            + "' after a closing quote (a quote inside a quoted field must be doubled)");
                }
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                c = read();
                continue;
            }
            if (c == '\n' || c == '\r' || c == -1) {
                fields.add(field.toString());
                if (c == '\r') {
                    int d = read();
                    if (d != '\n') {
                        unread(d);
                    }
                }
                if (c != -1) {
                    line++;
                }
                return new Record(start, fields);
            }
            field.append((char) c);
            c = read();
        }
    }
}
