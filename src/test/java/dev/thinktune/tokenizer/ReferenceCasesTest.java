package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random strings over every character class the split regexes care about (letters, numbers and
 * whitespace of many scripts, Unicode spaces, marks, emoji and other supplementary characters, contractions in
 * any case, special-token fragments), encoded by the reference implementations (see make_references.py beside
 * reference-cases.json): three Hugging Face variants of the fixture tokenizer (Llama 3 pre-tokenizer; GPT-2
 * ByteLevel with add_prefix_space; extra added tokens with single_word, lstrip, rstrip and normalized) and
 * tiktoken with the fixture's tokens as ranks.
 */
class ReferenceCasesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode reference;

    @BeforeAll
    static void readReference() throws IOException {
        try (InputStream in = ReferenceCasesTest.class.getResourceAsStream("reference-cases.json")) {
            reference = JSON.readTree(in);
        }
    }

    @Test
    void llama3PreTokenizerMatchesHuggingFaceOnRandomUnicode() throws IOException {
        checkVariant("llama3");
    }

    @Test
    void gpt2ByteLevelWithPrefixSpaceMatchesHuggingFace() throws IOException {
        checkVariant("gpt2_prefix_space");
    }

    @Test
    void addedTokenOptionsMatchHuggingFace() throws IOException {
        checkVariant("added_tokens");
    }

    @Test
    void tiktokenRanksMatchTiktokenOnRandomUnicode(@TempDir Path dir) throws IOException {
        Path ranks = dir.resolve("tokenizer.model");
        Files.write(ranks, rankFileOfFixture());
        Tokenizer tokenizer = Tokenizers.load(ranks);
        assertEquals(1019 + 256, tokenizer.vocabSize());
        compare("tiktoken", tokenizer, reference.get("encodings").get("tiktoken"));
    }

    private void checkVariant(String name) throws IOException {
        JsonNode variant = reference.get("encodings").get(name);
        ObjectNode json = (ObjectNode) JSON.readTree(Fixtures.tokenizerJson().toFile());
        JsonNode patch = variant.get("patch");
        if (patch.has("pre_tokenizer")) {
            json.set("pre_tokenizer", patch.get("pre_tokenizer"));
        }
        if (patch.has("added_tokens_extra")) {
            ((ArrayNode) json.get("added_tokens")).addAll((ArrayNode) patch.get("added_tokens_extra"));
        }
        Tokenizer tokenizer = Tokenizers.fromHuggingFaceJson(name, JSON.writeValueAsString(json));
        compare(name, tokenizer, variant);
    }

    /** Compares with {@code encoding.ids[i]} and {@code encoding.decoded[i]} (default: BOS text + input). */
    private static void compare(String name, Tokenizer tokenizer, JsonNode encoding) {
        JsonNode texts = reference.get("texts");
        int compared = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i).asText();
            if (!knownToThisJava(text)) {
                continue;
            }
            compared++;
            String expected = encoding.get("ids").get(i).toString();
            int[] ids = tokenizer.encode(text, true);
            String actual = JSON.valueToTree(ids).toString();
            String expectedText = encoding.get("decoded").has(String.valueOf(i))
                    ? encoding.get("decoded").get(String.valueOf(i)).asText() : "<|begin_of_text|>" + text;
            if (!expected.equals(actual)) {
                failures.add(escape(text) + "\n   expected " + expected + "\n   actual   " + actual);
            } else if (!expectedText.equals(tokenizer.decode(ids))) {
                failures.add(escape(text) + ": decoded as " + escape(tokenizer.decode(ids)));
            }
        }
        assertTrue(compared >= 300, name + ": only " + compared + " cases compared");
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " of " + compared + " differ:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    /** Java 17 knows Unicode 13; characters assigned later would be classified differently, so are left out. */
    private static boolean knownToThisJava(String text) {
        return text.codePoints().allMatch(cp -> Character.getType(cp) != Character.UNASSIGNED);
    }

    /** The fixture's ordinary tokens in id order as tiktoken ranks 0..n-1 (the generator does the same). */
    static List<String> rankFileOfFixture() throws IOException {
        JsonNode json = JSON.readTree(Fixtures.tokenizerJson().toFile());
        java.util.Set<String> specials = new java.util.HashSet<>();
        json.get("added_tokens").forEach(t -> specials.add(t.get("content").asText()));
        Map<Integer, String> byId = new TreeMap<>();
        json.get("model").get("vocab").fields().forEachRemaining(e -> {
            if (!specials.contains(e.getKey())) {
                byId.put(e.getValue().asInt(), e.getKey());
            }
        });
        List<String> lines = new ArrayList<>();
        int rank = 0;
        for (String token : byId.values()) {
            lines.add(Base64.getEncoder().encodeToString(ByteLevelAlphabet.decode(token)) + " " + rank++);
        }
        return lines;
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                b.append((char) cp);
            } else {
                b.append(String.format("\\u{%X}", cp));
            }
        });
        return b.append('"').toString();
    }
}
