package dev.thinktune.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Reads JSON Lines: one object a line, blank lines skipped, each object turned into an example by a
 * {@link JsonRowMapper}. A line that is not one JSON object is a bad row (field "json").
 *
 * @param mapper the format's row mapping
 */
public record JsonlReader(JsonRowMapper mapper) implements DatasetReader {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public JsonlReader {
        Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public ReadResult read(Path file, ReadOptions options) {
        RowSink sink = new RowSink(file, options);
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long lineNo = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    sink.fail(new DataFormatException(file, lineNo, "json", "malformed JSON: "
                            + e.getOriginalMessage(), e));
                    continue;
                }
                if (!node.isObject()) {
                    sink.fail(new DataFormatException(file, lineNo, "json", "expected a JSON object, got "
                            + JsonRow.kind(node)));
                    continue;
                }
                try {
                    sink.add(mapper.map(new JsonRow(file, lineNo, node, "")));
                } catch (DataFormatException e) {
                    sink.fail(e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return sink.result();
    }
}
