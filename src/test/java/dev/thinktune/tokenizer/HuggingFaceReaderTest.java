package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The forms of tokenizer.json that real checkpoints use are read alike. */
class HuggingFaceReaderTest {

    private static final List<String[]> MERGES = List.of(new String[] {"a", "b"}, new String[] {"c", "d"},
            new String[] {"ab", "cd"}, new String[] {"Ġ", "ab"});

    private static Tokenizer read(ObjectNode json) {
        return Tokenizers.fromHuggingFaceJson("test tokenizer.json", json.toString());
    }

    @Test
    void mergesAsStringsAreReadLikePairsAndVersionLinesAreSkipped() {
        ObjectNode pairs = TinyTokenizerJson.build(List.of("<s>"), MERGES, true);
        ObjectNode strings = pairs.deepCopy();
        ArrayNode merges = ((ObjectNode) strings.get("model")).putArray("merges");
        merges.add("#version: 0.2");
        for (String[] m : MERGES) {
            merges.add(m[0] + " " + m[1]);
        }
        for (String text : List.of("abcd", " ab cd", "xabcdx", "abab cdcd")) {
            assertArrayEquals(read(pairs).encode(text, true), read(strings).encode(text, true), text);
        }
        // ids: <s> 0, bytes 1..256 in byte order, then ab 257, cd 258, abcd 259, Ġab 260
        assertArrayEquals(new int[] {0, 259}, read(strings).encode("abcd", true));
        assertArrayEquals(new int[] {260, 1 + ' ', 258}, read(strings).encode(" ab cd", false));
    }

    @Test
    void ignoreMergesEmitsAPieceThatIsAVocabularyTokenWhole() {
        // "ac" is in the vocabulary but no merge makes it: only ignore_merges finds it
        ObjectNode json = TinyTokenizerJson.build(List.of(), MERGES, false);
        ((ObjectNode) json.at("/model/vocab")).put("ac", 999);
        assertArrayEquals(new int[] {999}, read(json).encode("ac", false));
        ((ObjectNode) json.get("model")).put("ignore_merges", false);
        assertArrayEquals(new int[] {'a', 'c'}, read(json).encode("ac", false));
        ((ObjectNode) json.get("model")).remove("ignore_merges");
        assertArrayEquals(new int[] {'a', 'c'}, read(json).encode("ac", false), "absent means false");
    }

    @Test
    void llama3LayoutWithSpecialsAfterTheModelVocabulary() {
        // As Meta's tokenizer.json: the model vocabulary holds no special token, added_tokens follow it, and
        // the post-processor is Sequence[ByteLevel, TemplateProcessing].
        ObjectNode json = TinyTokenizerJson.build(List.of(), MERGES, false);
        int modelSize = json.at("/model/vocab").size();
        ArrayNode added = json.putArray("added_tokens");
        for (int i = 0; i < Llama3SpecialTokens.COUNT; i++) {
            added.addObject().put("id", modelSize + i).put("content", Llama3SpecialTokens.names().get(i))
                    .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                    .put("special", true);
        }
        ObjectNode post = json.putObject("post_processor");
        post.put("type", "Sequence");
        ArrayNode processors = post.putArray("processors");
        processors.addObject().put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false)
                .put("use_regex", true);
        ObjectNode template = processors.addObject();
        template.put("type", "TemplateProcessing");
        template.putArray("single").addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>")
                .put("type_id", 0);
        ((ArrayNode) template.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ObjectNode entry = template.putObject("special_tokens").putObject("<|begin_of_text|>");
        entry.put("id", "<|begin_of_text|>");
        entry.putArray("ids").add(modelSize);
        entry.putArray("tokens").add("<|begin_of_text|>");

        Tokenizer t = read(json);
        int bos = modelSize;
        int eot = modelSize + 9;
        int abcd = t.tokenId("abcd").orElseThrow();
        assertEquals(258, abcd, "bytes 0..255, ab, cd, abcd");
        assertEquals(modelSize + 256, t.vocabSize());
        assertArrayEquals(new int[] {bos, abcd, eot}, t.encode("abcd<|eot_id|>", true));
        assertEquals("<|eot_id|>", t.token(eot));
        assertEquals(modelSize + 1, t.eosId().orElseThrow());
        assertEquals("<|begin_of_text|>abcd<|eot_id|>", t.decode(new int[] {bos, abcd, eot}));
    }

    @Test
    void nullPostProcessorAddsNothing() {
        Tokenizer t = read(TinyTokenizerJson.build(List.of("<s>"), MERGES, false));
        assertArrayEquals(t.encode("abcd", false), t.encode("abcd", true));
        assertEquals(true, t.bosId().isEmpty());
    }

    @Test
    void encodingFromManyThreadsGivesTheSameIds() throws Exception {
        Tokenizer t = read(TinyTokenizerJson.build(List.of("<s>"), MERGES, true));
        List<String> texts = new ArrayList<>();
        java.util.Random random = new java.util.Random(9);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < 20; k++) {
                b.append("abcd é🚀x".charAt(random.nextInt(8)));
            }
            texts.add(b.toString());
        }
        List<int[]> expected = texts.stream().map(s -> t.encode(s, true)).toList();
        Tokenizer fresh = read(TinyTokenizerJson.build(List.of("<s>"), MERGES, true));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < texts.size(); i++) {
                        if (!java.util.Arrays.equals(expected.get(i), fresh.encode(texts.get(i), true))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertEquals(true, r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
