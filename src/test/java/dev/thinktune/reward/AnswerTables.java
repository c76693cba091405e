package dev.thinktune.reward;

import org.junit.jupiter.params.provider.Arguments;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads the hand-written answer tables: " | "-separated fields, '#' comments, '⏎' for a line break. */
final class AnswerTables {

    private AnswerTables() {
    }

    static Stream<Arguments> read(String resource, int columns) {
        List<Arguments> rows = new ArrayList<>();
        try (InputStream in = AnswerTables.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(Pattern.quote(" | "), -1);
                if (f.length != columns) {
                    throw new IllegalStateException(resource + ":" + lineNo + ": expected " + columns
                            + " fields, got " + f.length);
                }
                Object[] args = new Object[columns + 1];
                args[0] = lineNo;
                for (int i = 0; i < columns; i++) {
                    String v = f[i].replace("⏎", "\n");
                    args[i + 1] = v.equals("∅") ? null : v;
                }
                rows.add(Arguments.of(args));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows.stream();
    }
}
