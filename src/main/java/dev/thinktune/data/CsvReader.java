package dev.thinktune.data;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads CSV with a header line (RFC 4180: quoted fields may hold commas, quotes and line breaks), each record
 * turned into an example by a {@link CsvRowMapper}. A missing required column fails the whole file; a record with
 * another number of fields than the header is a bad row (field "csv"); a quoting error is a bad row that ends the
 * read, since nothing after it can be trusted.
 *
 * @param mapper the format's row mapping
 */
public record CsvReader(CsvRowMapper mapper) implements DatasetReader {

    public CsvReader {
        Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public ReadResult read(Path file, ReadOptions options) {
        RowSink sink = new RowSink(file, options);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            CsvRecords records = new CsvRecords(in);
            CsvRecords.Record header = records.next();
            if (header == null) {
                throw new DataFormatException(file, 1, "csv", "empty file, expected a header line");
            }
            Map<String, Integer> columns = new LinkedHashMap<>();
            for (int i = 0; i < header.fields().size(); i++) {
                columns.putIfAbsent(header.fields().get(i).strip(), i);
            }
            for (String column : mapper.requiredColumns()) {
                if (!columns.containsKey(column)) {
                    throw new DataFormatException(file, header.line(), column, "missing column; the header has "
                            + columns.keySet());
                }
            }
            Map<String, Integer> frozen = Collections.unmodifiableMap(columns);
            int index = 0;
            while (true) {
                CsvRecords.Record record;
                try {
                    record = records.next();
                } catch (CsvRecords.SyntaxException e) {
                    sink.fail(new DataFormatException(file, e.line, "csv", e.getMessage() + "; reading stops here"));
                    break;
                }
                if (record == null) {
                    break;
                }
                try {
                    if (record.fields().size() != header.fields().size()) {
                        throw new DataFormatException(file, record.line(), "csv", "expected "
                                + header.fields().size() + " fields as in the header, got " + record.fields().size());
                    }
                    sink.add(mapper.map(new CsvRow(file, record.line(), index, frozen, record.fields())));
                } catch (DataFormatException e) {
                    sink.fail(e);
                }
                index++;
            }
        } catch (CsvRecords.SyntaxException e) {
            throw new DataFormatException(file, e.line, "csv", e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return sink.result();
    }
}
