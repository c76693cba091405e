package dev.thinktune.train;

import dev.thinktune.data.DataFormatException;
import dev.thinktune.data.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** data.strict: refuse a file with a malformed row, naming it; by default such rows are skipped with a warning. */
class DataStrictTest {

    @Test
    void malformedRowsAreSkippedWithAWarningUnlessDataStrictRefusesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("train.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"question\": \"What is 1 + 1?\", \"answer\": \"1 + 1 = 2\\n#### 2\"}",
                "{\"question\": \"What is 2 + 2?\", \"answer\": \"2 + 2 = 4\\n#### 4\"}",
                "{\"question\": \"What is 3 + 3?\", \"answer\": \"3 + 3 = 6\\n#### 6\"",
                "{\"question\": \"What is 4 + 4?\", \"answer\": \"4 + 4 = 8\\n#### 8\"}",
                "{\"question\": \"What is 5 + 5?\"}", ""));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainConfig lenient = ConfigLoader.load(List.of("data.train=" + file));
        assertFalse(lenient.data().strict(), "skip-and-warn stays the default");
        List<Example> read = ExampleFiles.read(lenient.data(), file, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(List.of("2", "4", "8"), read.stream().map(Example::answer).toList());
        String warning = log.toString(StandardCharsets.UTF_8);
        assertTrue(warning.contains("2 rows did not parse and were skipped") && warning.contains("data.strict: true")
                && warning.contains(file + ":3"), warning);

        TrainConfig strict = ConfigLoader.load(List.of("data.train=" + file, "data.strict=true"));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> ExampleFiles.read(strict.data(), file, new PrintStream(new ByteArrayOutputStream())));
        assertEquals(3, e.line(), "the first malformed row");
        assertTrue(e.getMessage().startsWith(file + ":3: ") && e.getMessage().contains("data.strict is true"),
                e.getMessage());
    }
}
