package dev.thinktune.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleLogTest {
    @TempDir
    Path tmp;

    private static SampleRecord record(int step, int index, String text) {
        return new SampleRecord(step, "q" + step, "How many?", index, index == 0, index == 0 ? "self-critique" : "",
                12, index == 0 ? 5 : 0, "eos", 1.5, Map.of("correctness", 1.0, "phrase", 1.0), -0.25, text,
                index == 2 ? "error: HTTP 500 from http://127.0.0.1/v1/chat/completions" : "");
    }

    @Test
    void recordsComeBackAsWrittenWithSnakeCaseKeys() throws IOException {
        Path f = tmp.resolve("run/samples.jsonl");
        List<SampleRecord> written = List.of(record(1, 0, "The answer is \\boxed{4}.\n\n\"Wait\" \u00e9"),
                record(1, 1, ""), record(2, 0, "x"));
        try (SampleLog log = new SampleLog(f)) {
            log.append(written.subList(0, 2));
            log.append(written.subList(2, 3));
        }
        assertEquals(written, SampleLog.read(f));
        String first = Files.readAllLines(f).get(0);
        assertTrue(first.startsWith("{\"step\":1,\"question_id\":\"q1\""), first);
        assertTrue(first.contains("\"teacher_tokens\":5"), first);
        assertEquals(3, Files.readAllLines(f).size(), "one line per record");
    }

    @Test
    void aResumedRunKeepsTheLinesUpToItsStepAndAppends() {
        Path f = tmp.resolve("samples.jsonl");
        try (SampleLog log = new SampleLog(f)) {
            log.append(List.of(record(1, 0, "a"), record(2, 0, "b"), record(3, 0, "c")));
        }
        try (SampleLog log = new SampleLog(f)) {
            log.truncateAfter(2);
            log.append(List.of(record(3, 1, "d")));
        }
        assertEquals(List.of("a", "b", "d"), SampleLog.read(f).stream().map(SampleRecord::text).toList());
        assertEquals(List.of(f), listing(), "the rewrite goes through a temporary file renamed over the log");
    }

    private List<Path> listing() {
        try (java.util.stream.Stream<Path> files = Files.list(tmp)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aDamagedLineBeforeTheLastIsAnErrorNamingIt() throws IOException {
        Path f = tmp.resolve("samples.jsonl");
        Files.writeString(f, "{\"step\":1}\n{\"text\":\"no step\"}\n{\"step\":2}\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SampleLog(f).truncateAfter(1));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void aTornLastLineIsDroppedWithAWarningAndTheRunContinuesTheFile() throws IOException {
        Path f = tmp.resolve("samples.jsonl");
        try (SampleLog log = new SampleLog(f)) {
            log.append(List.of(record(1, 0, "a"), record(2, 0, "b")));
        }
        String whole = Files.readString(f);
        Files.writeString(f, whole + whole.substring(0, 40)); // a write of step 3 cut short by a full disk
        try (SampleLog log = new SampleLog(f)) {
            String warning = log.truncateAfter(2);
            assertTrue(warning != null && warning.contains("torn last line") && warning.contains(f.toString()),
                    String.valueOf(warning));
            log.append(List.of(record(3, 2, "c")));
        }
        List<SampleRecord> back = SampleLog.read(f);
        assertEquals(List.of("a", "b", "c"), back.stream().map(SampleRecord::text).toList());
        assertEquals("error: HTTP 500 from http://127.0.0.1/v1/chat/completions", back.get(2).teacherFailure());
        assertEquals(null, new SampleLog(f).truncateAfter(3), "a cleanly ended file has nothing to drop");
    }
}
