package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {

    private static final List<String> SPECIALS = List.of("<|begin_of_text|>", "<|end_of_text|>",
            "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void learnsTheSameVocabularyAndMergesAsHuggingFaceBpeTrainer() throws IOException, URISyntaxException {
        Path corpusFile = Path.of(BpeTrainerTest.class.getResource("training-corpus.txt").toURI());
        JsonNode reference;
        try (InputStream in = BpeTrainerTest.class.getResourceAsStream("training-reference.json")) {
            reference = JSON.readTree(in);
        }
        TrainingCorpus corpus = new TrainingCorpus();
        corpus.addFile(corpusFile);
        BpeTrainer.Result trained = new BpeTrainer(new BpeTrainer.Options(reference.get("vocab_size").asInt(), 0,
                SPECIALS)).train(corpus.wordCounts());

        Map<String, Integer> expectedVocab = new LinkedHashMap<>();
        reference.get("vocab").fields().forEachRemaining(e -> expectedVocab.put(e.getKey(), e.getValue().asInt()));
        assertEquals(expectedVocab, trained.vocab());
        List<String> expectedMerges = new ArrayList<>();
        reference.get("merges").forEach(m -> expectedMerges.add(m.get(0).asText() + " " + m.get(1).asText()));
        assertEquals(expectedMerges, trained.merges().stream().map(m -> m[0] + " " + m[1]).toList());
    }

    @Test
    void handComputedMergesOnATinyCorpus() {
        // words: "aaab" x3 -> pairs (a,a) 6, (a,b) 3; first merge a+a, then (aa,a)/(aa,b)/(a,b) ...
        Map<String, Long> counts = Map.of("aaab", 3L, "ab", 2L);
        BpeTrainer.Result trained = new BpeTrainer(new BpeTrainer.Options(5 + 256 + 2, 0, SPECIALS)).train(counts);
        // (a,a) occurs twice in each "aaab" (count 6) before (a,b) (3 + 2 = 5): merged first into "aa".
        // Then "aaab" is [aa, a, b]: (aa,a) 3, (a,b) 3 + 2 = 5 -> "ab".
        assertEquals(List.of("a a", "a b"), trained.merges().stream().map(m -> m[0] + " " + m[1]).toList());
        assertEquals(5 + 256, trained.vocab().get("aa"));
        assertEquals(5 + 257, trained.vocab().get("ab"));
        assertEquals(0, trained.vocab().get("<|begin_of_text|>"));
        assertEquals(5, trained.vocab().get("!"), "byte-level alphabet follows the specials, by code point");
    }

    @Test
    void writtenTokenizerReloadsWithLlama3StructureAndEncodesAsTheTrainedModel(@TempDir Path dir) throws IOException {
        Random random = new Random(7);
        String[] words = {"apple", "banana", "cookie", "twelve", "dollars", "naïve", "東京", "🚀", "42", "1,234"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < 12; k++) {
                line.append(words[random.nextInt(words.length)]).append(random.nextInt(5) == 0 ? ", " : " ");
            }
            lines.add(line.toString().strip());
        }
        Path input = dir.resolve("corpus.txt");
        Files.write(input, lines, StandardCharsets.UTF_8);
        TrainingCorpus corpus = new TrainingCorpus();
        corpus.addFile(input);
        BpeTrainer.Result trained = new BpeTrainer(new BpeTrainer.Options(400, 0, SPECIALS)).train(corpus.wordCounts());
        Path out = dir.resolve("tok");
        TokenizerJsonWriter.write(trained, out, "<|begin_of_text|>", "<|end_of_text|>");

        JsonNode json = JSON.readTree(out.resolve("tokenizer.json").toFile());
        assertTrue(json.get("normalizer").isNull());
        assertEquals("Split", json.at("/pre_tokenizer/pretokenizers/0/type").asText());
        assertEquals(SplitPattern.LLAMA3_REGEX, json.at("/pre_tokenizer/pretokenizers/0/pattern/Regex").asText());
        assertEquals("ByteLevel", json.at("/pre_tokenizer/pretokenizers/1/type").asText());
        assertFalse(json.at("/pre_tokenizer/pretokenizers/1/use_regex").asBoolean());
        assertTrue(json.at("/model/ignore_merges").asBoolean());
        assertEquals("TemplateProcessing", json.at("/post_processor/type").asText());
        assertEquals("ByteLevel", json.at("/decoder/type").asText());
        assertEquals(5, json.get("added_tokens").size());
        assertEquals("<|eot_id|>", json.at("/added_tokens/4/content").asText());
        int size = trained.vocab().size();
        assertTrue(size > 261 && size < 400, "stops when every word is one token, before 400: " + size);
        assertEquals(size, json.at("/model/vocab").size());

        Tokenizer reloaded = Tokenizers.load(out);
        assertEquals(size, reloaded.vocabSize());
        assertEquals(1, reloaded.eosId().orElseThrow(), "eos_token of tokenizer_config.json");
        for (String line : lines.subList(0, 50)) {
            int[] ids = reloaded.encode(line, true);
            assertEquals(0, ids[0]);
            assertEquals(line, reloaded.decode(ids, true));
            assertTrue(ids.length < line.getBytes(StandardCharsets.UTF_8).length / 2,
                    "merges compress the training text: " + ids.length + " ids for " + line);
        }
        // Each frequent word (with its leading space) became one token, and the reader finds it.
        assertArrayEquals(new int[] {trained.vocab().get("Ġapple")}, reloaded.encode(" apple", false));
        assertArrayEquals(new int[] {trained.vocab().get("Ġbanana")}, reloaded.encode(" banana", false));
        assertEquals("<|begin_of_text|>", JSON.readTree(out.resolve("tokenizer_config.json").toFile())
                .get("bos_token").asText());
    }

    @Test
    void jsonLinesInputTrainsOnEveryStringValue(@TempDir Path dir) throws IOException {
        Path input = dir.resolve("data.jsonl");
        Files.writeString(input, "{\"question\": \"zebra zebra\", \"answer\": \"#### 7\", \"n\": 3}\n"
                + "{\"question\": \"quagga\", \"nested\": {\"note\": \"okapi\"}}\n", StandardCharsets.UTF_8);
        TrainingCorpus corpus = new TrainingCorpus();
        corpus.addFile(input);
        assertEquals(4, corpus.sequences());
        assertEquals(1L, corpus.wordCounts().get("zebra"));
        assertEquals(1L, corpus.wordCounts().get(" zebra"));
        assertEquals(1L, corpus.wordCounts().get("okapi"));
        assertFalse(corpus.wordCounts().containsKey("3"), "numbers that are not strings are not text");
    }

    @Test
    void vocabularySmallerThanSpecialsAndBytesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BpeTrainer.Options(100, 0, SPECIALS));
        assertTrue(e.getMessage().contains("vocab size 100"), e.getMessage());
    }
}
