package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.cli.BenchTokenizerCommand;
import dev.thinktune.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code thinktune tokenizer ...} through Main.run with standard input, output and error redirected. */
class TokenizerCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private InputStream stdin;
    private PrintStream stdout;
    private PrintStream stderr;
    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @BeforeEach
    void redirect() {
        stdin = System.in;
        stdout = System.out;
        stderr = System.err;
    }

    @AfterEach
    void restore() {
        System.setIn(stdin);
        System.setOut(stdout);
        System.setErr(stderr);
    }

    /** Runs the command line with {@code input} on standard input; returns the exit code. */
    private int run(String input, String... args) {
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        return Main.run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String joined(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            b.append(b.length() == 0 ? "" : " ").append(id);
        }
        return b.toString();
    }

    @Test
    void encodePrintsOneLineOfIdsPerInputLine() {
        Path tok = Fixtures.tokenizerJson();
        Tokenizer t = Fixtures.fixtureTokenizer();
        assertEquals(0, run("Natalia sold clips.\r\nnaïve 東京 🚀\n", "tokenizer", "encode", "--tokenizer", tok.toString()),
                err());
        assertEquals(joined(t.encode("Natalia sold clips.", true)) + "\n" + joined(t.encode("naïve 東京 🚀", true)) + "\n",
                out().replace(System.lineSeparator(), "\n"));
        assertEquals(0, run("Hi", "tokenizer", "encode", "--no-special", "--tokenizer", tok.toString()));
        assertEquals(joined(t.encode("Hi", false)), out().strip());
    }

    @Test
    void decodeReadsIdsSeparatedBySpacesOrCommas() {
        Path tok = Fixtures.tokenizerJson();
        Tokenizer t = Fixtures.fixtureTokenizer();
        int[] ids = t.encode("How many apples?", true);
        String spaced = joined(ids);
        String commas = spaced.replace(" ", ", ");
        assertEquals(0, run(spaced + "\n[" + commas + "]\n", "tokenizer", "decode", "--tokenizer", tok.toString()));
        assertEquals(List.of("<|begin_of_text|>How many apples?", "<|begin_of_text|>How many apples?"),
                out().lines().toList());
        assertEquals(0, run(commas, "tokenizer", "decode", "--skip-special", "--tokenizer", tok.toString()));
        assertEquals("How many apples?", out().strip());
    }

    @Test
    void jsonModeKeepsNewlinesInsideInputsAndRoundTrips() throws IOException {
        Path tok = Fixtures.tokenizerJson();
        Tokenizer t = Fixtures.fixtureTokenizer();
        List<String> texts = List.of("line one\nline two\n\n  indented", "", "🚀");
        assertEquals(0, run(JSON.writeValueAsString(texts), "tokenizer", "encode", "--json", "--tokenizer",
                tok.toString()), err());
        JsonNode encoded = JSON.readTree(out());
        assertEquals(3, encoded.size(), "one id list per input, the newlines did not split it");
        assertEquals(JSON.valueToTree(t.encode(texts.get(0), true)), encoded.get(0));
        assertEquals(0, run(out(), "tokenizer", "decode", "--json", "--skip-special", "--tokenizer", tok.toString()),
                err());
        assertEquals(texts, JSON.readerForListOf(String.class).readValue(out()));
    }

    @Test
    void badInputIsOneClearErrorLine() {
        Path tok = Fixtures.tokenizerJson();
        assertEquals(1, run("12 abc\n", "tokenizer", "decode", "--tokenizer", tok.toString()));
        assertTrue(err().contains("standard input line 1: \"abc\" is not a token id"), err());
        assertEquals(1, run("[1, 2]", "tokenizer", "encode", "--json", "--tokenizer", tok.toString()));
        assertTrue(err().contains("--json input element 0 is not a string"), err());
        assertEquals(1, err().strip().lines().count(), err());
    }

    @Test
    void missingTokenizerIsReported(@TempDir Path dir) {
        assertEquals(1, run("x", "tokenizer", "encode", "--tokenizer", dir.toString()));
        assertTrue(err().contains("has no tokenizer.json nor tokenizer.model"), err());
    }

    @Test
    void trainWritesATokenizerTheOtherCommandsUse(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            text.append("The cat sat on the mat ").append(i % 17).append(" times, then the dog ran.\n");
        }
        Files.writeString(corpus, text, StandardCharsets.UTF_8);
        Path model = dir.resolve("model");
        assertEquals(0, run("", "tokenizer", "train", "--input", corpus.toString(), "--vocab", "300", "--out",
                model.toString()), err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("trained (\\d+) tokens \\((\\d+) merges\\)")
                .matcher(out());
        assertTrue(m.find(), out());
        int size = Integer.parseInt(m.group(1));
        assertEquals(5 + 256 + Integer.parseInt(m.group(2)), size, "specials, bytes and one token per merge");
        assertTrue(size <= 300);
        assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(model.resolve("tokenizer_config.json")));
        assertEquals(0, run("The cat sat on the mat", "tokenizer", "encode", "--tokenizer", model.toString()), err());
        String ids = out().strip();
        assertEquals(0, run(ids, "tokenizer", "decode", "--tokenizer", model.toString()), err());
        assertEquals("<|begin_of_text|>The cat sat on the mat", out().strip());
        assertEquals(0, run("", "tokenizer", "info", "--tokenizer", model.toString()), err());
        assertTrue(out().contains("vocab size: " + size), out());
        assertTrue(out().contains("chat template: Llama 3"), out());
    }

    @Test
    void trainRefusesAVocabularyTooSmall(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("c.txt");
        Files.writeString(corpus, "abc\n");
        assertEquals(2, run("", "tokenizer", "train", "--input", corpus.toString(), "--vocab", "10", "--out",
                dir.resolve("m").toString()));
        assertTrue(err().contains("vocab size 10 is below"), err());
    }

    @Test
    void benchPrintsOneJsonResultWithTheAgreedFields(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("gsm8k-sample.jsonl");
        Files.writeString(data, "{\"question\": \"How many apples?\", \"answer\": \"#### 42\"}\n"
                .repeat(50), StandardCharsets.UTF_8);
        Path tok = dir.resolve("tokenizer.json");
        Files.writeString(tok, TinyTokenizerJson.build(List.of("<|begin_of_text|>"), List.of(), true).toString());
        System.setOut(new PrintStream(out = new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        int code = new CommandLine(new BenchTokenizerCommand()).execute("--file", data.toString(), "--tokenizer",
                tok.toString(), "--warmup", "0", "--seconds", "0", "--json");
        assertEquals(0, code);
        JsonNode result = JSON.readTree(out());
        for (String field : List.of("bench", "size", "batch", "mode", "tokens_per_s", "seconds", "peak_rss_mb",
                "mb_per_s")) {
            assertTrue(result.has(field), field + " in " + result);
        }
        assertEquals("tokenizer", result.get("bench").asText());
        assertEquals("gsm8k", result.get("size").asText());
        assertEquals(1, result.get("batch").asInt());
        assertEquals("encode", result.get("mode").asText());
        // 50 x ("How many apples?" + "#### 42") = 50 x 23 bytes; the tiny tokenizer has no merges: one id a byte
        assertEquals(1150, result.get("bytes").asLong());
        assertEquals(1150, result.get("tokens").asLong());
        assertTrue(result.get("mb_per_s").asDouble() > 0);
    }
}
