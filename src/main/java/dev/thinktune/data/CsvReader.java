package dev.thinktune.data;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads CSV with a header line (RFC 4180, parsed by Commons CSV: quoted fields may hold commas, quotes and line
 * breaks; empty lines are skipped, a leading byte order mark is dropped), each record turned into an example by a
 * {@link CsvRowMapper}. A missing required column fails the whole file; a record with another number of fields
 * than the header is a bad row (field "csv"); a quoting error is a bad row that ends the read, since nothing after
 * it can be trusted. Every message names the line the record starts on.
 *
 * @param mapper the format's row mapping
 */
public record CsvReader(CsvRowMapper mapper) implements DatasetReader {
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).get();

    public CsvReader {
        Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public ReadResult read(Path file, ReadOptions options) {
        RowSink sink = new RowSink(file, options);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        LineIndex lines = new LineIndex(text);
        try (CSVParser parser = CSVParser.builder().setReader(new java.io.StringReader(text)).setFormat(FORMAT).get()) {
            Iterator<CSVRecord> records = parser.iterator();
            if (!records.hasNext()) {
                throw new DataFormatException(file, 1, "csv", "empty file, expected a header line");
            }
            CSVRecord header = records.next();
            Map<String, Integer> columns = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                columns.putIfAbsent(header.get(i).strip(), i);
            }
            long headerLine = lines.lineAt(header.getCharacterPosition());
            for (String column : mapper.requiredColumns()) {
                if (!columns.containsKey(column)) {
                    throw new DataFormatException(file, headerLine, column, "missing column; the header has "
                            + columns.keySet());
                }
            }
            Map<String, Integer> frozen = Collections.unmodifiableMap(columns);
            int index = 0;
            long nextLine = parser.getCurrentLineNumber() + 1;
            while (true) {
                CSVRecord record;
                try {
                    if (!records.hasNext()) {
                        break;
                    }
                    record = records.next();
                } catch (UncheckedIOException e) {
                    sink.fail(new DataFormatException(file, nextLine, "csv", quotingError(e, nextLine)
                            + "; reading stops here"));
                    break;
                }
                nextLine = parser.getCurrentLineNumber() + 1;
                long line = lines.lineAt(record.getCharacterPosition());
                try {
                    if (record.size() != header.size()) {
                        throw new DataFormatException(file, line, "csv", "expected " + header.size()
                                + " fields as in the header, got " + record.size());
                    }
                    sink.add(mapper.map(new CsvRow(file, line, index, frozen, record.toList())));
                } catch (DataFormatException e) {
                    sink.fail(e);
                }
                index++;
            }
        } catch (UncheckedIOException e) {
            throw new DataFormatException(file, 1, "csv", quotingError(e, 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return sink.result();
    }

    /** What a quoting error that Commons CSV reports means, for the record starting on {@code line}. */
    private static String quotingError(UncheckedIOException e, long line) {
        String why = String.valueOf((e.getCause() != null ? e.getCause() : e).getMessage());
        if (why.contains("EOF reached before encapsulated token finished")) {
            return "the quoted field in the record starting on line " + line + " is never closed";
        }
        if (why.toLowerCase(java.util.Locale.ROOT).contains("invalid character between encapsulated token")) {
            return "the record starting on line " + line + " has a character after a closing quote (a quote"
                    + " inside a quoted field must be doubled)";
        }
        return "the record starting on line " + line + " is not valid CSV: " + why;
    }

    /** Maps a character position of the text to its 1-based line (LF, CRLF or a lone CR end a line). */
    private static final class LineIndex {
        private final long[] starts;

        LineIndex(String text) {
            long[] s = new long[16];
            int n = 0;
            s[n++] = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n' || (c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n'))) {
                    if (n == s.length) {
                        s = Arrays.copyOf(s, n * 2);
                    }
                    s[n++] = i + 1;
                }
            }
            starts = Arrays.copyOf(s, n);
        }

        long lineAt(long position) {
            int i = Arrays.binarySearch(starts, position);
            return (i >= 0 ? i : -i - 2) + 1;
        }
    }
}
