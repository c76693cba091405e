package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken or unsupported tokenizer files are refused with an error that names the file, the field and the cause. */
class MalformedTokenizerFilesTest {

    private static final List<String> SPECIALS = List.of("<|begin_of_text|>", "<|eot_id|>");

    private static String jsonError(Consumer<ObjectNode> breakIt) {
        ObjectNode json = TinyTokenizerJson.build(SPECIALS, List.<String[]>of(new String[] {"a", "b"}), true);
        breakIt.accept(json);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.fromHuggingFaceJson("broken.json", json.toString()));
        assertTrue(e.getMessage().startsWith("broken.json: "), e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
        }
    }

    @Test
    void theUnbrokenTinyTokenizerLoads() {
        Tokenizer t = TinyTokenizerJson.tokenizer(SPECIALS, List.<String[]>of(new String[] {"a", "b"}), true);
        assertTrue(t.vocabSize() == 2 + 256 + 1);
    }

    @Test
    void missingModel() {
        assertMentions(jsonError(j -> j.remove("model")), "model: missing");
    }

    @Test
    void unknownModelType() {
        assertMentions(jsonError(j -> ((ObjectNode) j.get("model")).put("type", "WordPiece")),
                "model \"WordPiece\" is not supported");
    }

    @Test
    void normalizerOtherThanNull() {
        assertMentions(jsonError(j -> j.putObject("normalizer").put("type", "NFC")), "normalizer \"NFC\"");
    }

    @Test
    void unknownPreTokenizer() {
        assertMentions(jsonError(j -> j.putObject("pre_tokenizer").put("type", "Whitespace")),
                "pre_tokenizer \"Whitespace\" is not supported");
    }

    @Test
    void splitWithAnotherBehaviour() {
        assertMentions(jsonError(j -> ((ObjectNode) j.at("/pre_tokenizer/pretokenizers/0")).put("behavior", "Removed")),
                "Split behavior \"Removed\"");
    }

    @Test
    void splitRegexThatDoesNotCompile() {
        assertMentions(jsonError(j -> ((ObjectNode) j.at("/pre_tokenizer/pretokenizers/0/pattern")).put("Regex", "(a")),
                "split regex \"(a\" does not compile");
    }

    @Test
    void unknownDecoder() {
        assertMentions(jsonError(j -> j.putObject("decoder").put("type", "WordPiece")),
                "decoder \"WordPiece\" is not supported");
    }

    @Test
    void unknownPostProcessor() {
        assertMentions(jsonError(j -> j.putObject("post_processor").put("type", "RobertaProcessing")),
                "post_processor \"RobertaProcessing\" is not supported");
    }

    @Test
    void mergeNamingATokenNotInTheVocabulary() {
        String message = jsonError(j -> ((ArrayNode) j.at("/model/merges")).addArray().add("a").add("zz"));
        assertMentions(message, "model.merges[1]", "\"a zz\"", "token \"zz\" is not in model.vocab");
    }

    @Test
    void mergeStringThatIsNotTwoTokens() {
        assertMentions(jsonError(j -> ((ArrayNode) j.at("/model/merges")).add("a b c")),
                "model.merges[1] \"a b c\" is not two tokens separated by one space");
    }

    @Test
    void mergeWhoseResultIsNotInTheVocabulary() {
        assertMentions(jsonError(j -> ((ArrayNode) j.at("/model/merges")).add("b a")), "token \"ba\" is not in model.vocab");
    }

    @Test
    void addedTokenWithAnIdHuggingFaceWouldNotGiveIt() {
        assertMentions(jsonError(j -> ((ObjectNode) j.at("/added_tokens/1")).put("id", 7)),
                "added_tokens[1]", "has id 7 but Hugging Face gives it id 1");
    }

    @Test
    void notJson() {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.fromHuggingFaceJson("broken.json", "{\"model\": "));
        assertMentions(e.getMessage(), "broken.json", "not valid JSON");
    }

    // ---- tokenizer.model ----

    private static String rankFileError(Path dir, List<String> lines) throws IOException {
        Path file = dir.resolve("tokenizer.model");
        Files.write(file, lines, StandardCharsets.UTF_8);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.load(file));
        assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());
        return e.getMessage();
    }

    private static List<String> allBytes() {
        List<String> lines = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            lines.add(Base64.getEncoder().encodeToString(new byte[] {(byte) b}) + " " + b);
        }
        return lines;
    }

    @Test
    void rankFileWithBadBase64(@TempDir Path dir) throws IOException {
        List<String> lines = allBytes();
        lines.add("@@not-base64@@ 256");
        assertMentions(rankFileError(dir, lines), "line 257", "invalid base64 \"@@not-base64@@\"");
    }

    @Test
    void rankFileWithDuplicateRank(@TempDir Path dir) throws IOException {
        List<String> lines = allBytes();
        lines.add(Base64.getEncoder().encodeToString("ab".getBytes(StandardCharsets.US_ASCII)) + " 256");
        lines.add(Base64.getEncoder().encodeToString("cd".getBytes(StandardCharsets.US_ASCII)) + " 256");
        assertMentions(rankFileError(dir, lines), "line 258", "duplicate rank 256", "already given on line 257");
    }

    @Test
    void rankFileWithDuplicateToken(@TempDir Path dir) throws IOException {
        List<String> lines = allBytes();
        lines.add(Base64.getEncoder().encodeToString("a".getBytes(StandardCharsets.US_ASCII)) + " 256");
        assertMentions(rankFileError(dir, lines), "line 257", "duplicate token \"YQ==\"", "already ranked 97");
    }

    @Test
    void rankFileWithARankMissing(@TempDir Path dir) throws IOException {
        List<String> lines = allBytes();
        lines.add(Base64.getEncoder().encodeToString("ab".getBytes(StandardCharsets.US_ASCII)) + " 300");
        assertMentions(rankFileError(dir, lines), "rank 256 is missing");
    }

    @Test
    void rankFileWithoutEverySingleByte(@TempDir Path dir) throws IOException {
        List<String> lines = allBytes();
        lines.set(0xFF, Base64.getEncoder().encodeToString("ab".getBytes(StandardCharsets.US_ASCII)) + " 255");
        assertMentions(rankFileError(dir, lines), "byte 0xFF has no rank");
    }

    @Test
    void rankLineWithoutRank(@TempDir Path dir) throws IOException {
        List<String> lines = allBytes();
        lines.add("YWI=");
        assertMentions(rankFileError(dir, lines), "line 257", "expected \"<base64 token> <rank>\"");
    }
}
