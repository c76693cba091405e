package dev.thinktune.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The lines of a run log that is only ever appended to ({@code metrics.csv}, {@code samples.jsonl}), read back for
 * a resumed run. A write cut short (a full disk, a killed process) leaves at most its last line torn: one without
 * its final newline, or one that does not read. That line is set apart, to be dropped with a warning; an
 * unreadable line before the last is damage of another kind and an error naming it.
 *
 * @param lines the complete, readable lines, in order (blank lines left out)
 * @param torn  the torn last line, or null when the file ended cleanly
 */
record LogLines(List<String> lines, String torn) {

    /**
     * @param readable whether a line is a whole record of the log
     * @param what     the log's name for messages ("metrics", "samples")
     */
    static LogLines read(Path file, Predicate<String> readable, String what) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
        String[] raw = text.split("\n", -1); // the element after the last newline is "" in a cleanly ended file
        int lastContent = -1;
        for (int i = 0; i < raw.length; i++) {
            if (!raw[i].isBlank()) {
                lastContent = i;
            }
        }
        List<String> lines = new ArrayList<>();
        String torn = null;
        for (int i = 0; i <= lastContent; i++) {
            String line = raw[i].endsWith("\r") ? raw[i].substring(0, raw[i].length() - 1) : raw[i];
            if (line.isBlank()) {
                continue;
            }
            boolean complete = i < raw.length - 1; // a newline follows it
            if (complete && readable.test(line)) {
                lines.add(line);
            } else if (i == lastContent) {
                torn = line;
            } else {
                throw new IllegalStateException("cannot read " + what + " " + file + ": line " + (i + 1)
                        + " is damaged (" + snippet(line) + "); only a torn last line is dropped on resume, so"
                        + " repair or delete line " + (i + 1));
            }
        }
        return new LogLines(List.copyOf(lines), torn);
    }

    /** The file's text again, without the torn line. */
    String text() {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    /** A warning about the torn line, or null when there is none. */
    String warning(Path file) {
        return torn == null ? null : "dropped the torn last line of " + file + " (" + torn.length()
                + " characters, left by an interrupted write): " + snippet(torn);
    }

    private static String snippet(String line) {
        return line.length() <= 60 ? line : line.substring(0, 60) + "...";
    }
}
