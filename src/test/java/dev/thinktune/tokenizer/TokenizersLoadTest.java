package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokenizers.load takes a tokenizer.json, a tokenizer.model, or a directory holding either. */
class TokenizersLoadTest {

    private static final List<String> SPECIALS = List.of("<|begin_of_text|>", "<|end_of_text|>");

    private static void writeJson(Path file) throws IOException {
        Files.writeString(file, TinyTokenizerJson.build(SPECIALS, List.of(), true).toString(), StandardCharsets.UTF_8);
    }

    private static void writeRanks(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            lines.add(Base64.getEncoder().encodeToString(new byte[] {(byte) b}) + " " + b);
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    @Test
    void directoryWithBothPrefersTokenizerJson(@TempDir Path dir) throws IOException {
        writeJson(dir.resolve("tokenizer.json"));
        writeRanks(dir.resolve("tokenizer.model"));
        Tokenizer t = Tokenizers.load(dir);
        assertEquals(2 + 256, t.vocabSize(), "the JSON one: 2 specials + 256 bytes");
    }

    @Test
    void directoryWithOnlyTheRankFileLoadsIt(@TempDir Path dir) throws IOException {
        writeRanks(dir.resolve("tokenizer.model"));
        Tokenizer t = Tokenizers.load(dir);
        assertEquals(256 + 256, t.vocabSize(), "256 ranks + the 256 Llama 3 specials");
        assertEquals(256, t.tokenId("<|begin_of_text|>").orElseThrow());
        assertEquals(256 + 9, t.tokenId("<|eot_id|>").orElseThrow());
    }

    @Test
    void metaLayoutWithTheRankFileUnderOriginal(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("original"));
        writeRanks(dir.resolve("original/tokenizer.model"));
        assertEquals(512, Tokenizers.load(dir).vocabSize());
    }

    @Test
    void fileIsRecognisedByItsContentNotOnlyItsName(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("tok.bin");
        writeJson(json);
        assertEquals(258, Tokenizers.load(json).vocabSize());
        Path ranks = dir.resolve("ranks.txt");
        writeRanks(ranks);
        assertEquals(512, Tokenizers.load(ranks).vocabSize());
    }

    @Test
    void directoryWithNeitherIsAnError(@TempDir Path dir) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir));
        assertTrue(e.getMessage().contains("has no tokenizer.json nor tokenizer.model"), e.getMessage());
    }

    @Test
    void missingFileIsAnError(@TempDir Path dir) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Tokenizers.load(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("nope.json does not exist"), e.getMessage());
    }

    @Test
    void eosComesFromTokenizerConfigBesideTheFile(@TempDir Path dir) throws IOException {
        writeJson(dir.resolve("tokenizer.json"));
        assertEquals(1, Tokenizers.load(dir).eosId().orElseThrow(), "<|end_of_text|> by name");
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"eos_token\": {\"content\": \"<|begin_of_text|>\", \"special\": true}}");
        assertEquals(0, Tokenizers.load(dir).eosId().orElseThrow(), "the config's eos_token wins");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|nope|>\"}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(dir));
        assertTrue(e.getMessage().contains("eos_token \"<|nope|>\" of tokenizer_config.json is not a token"),
                e.getMessage());
    }
}
