package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture tokenizer.json encodes and decodes every case of cases.json as Hugging Face tokenizers did. */
class HuggingFaceFixtureTest {

    @TestFactory
    Stream<DynamicTest> everyFixtureCaseEncodesToTheReferenceIdsAndDecodesBack() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Fixtures.casesJson().toFile());
        Tokenizer tokenizer = Fixtures.fixtureTokenizer();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = ids(c.get("ids"));
            List<String> expectedTokens = new ArrayList<>();
            c.get("tokens").forEach(t -> expectedTokens.add(t.asText()));
            tests.add(DynamicTest.dynamicTest(abbreviate(text), () -> {
                int[] actual = tokenizer.encode(text, true);
                assertArrayEquals(expected, actual, "ids of " + text);
                List<String> tokens = new ArrayList<>();
                for (int id : actual) {
                    tokens.add(tokenizer.token(id));
                }
                assertEquals(expectedTokens, tokens);
                assertEquals(c.get("decoded").asText(), tokenizer.decode(actual));
            }));
        }
        assertTrue(tests.size() >= 10, "cases.json has its cases");
        return tests.stream();
    }

    @Test
    void fixtureStructureIsReadAsLlama3() {
        Tokenizer t = Fixtures.fixtureTokenizer();
        assertEquals(1024, t.vocabSize());
        assertEquals(0, t.tokenId("<|begin_of_text|>").orElseThrow());
        assertEquals(4, t.tokenId("<|eot_id|>").orElseThrow());
        assertEquals(java.util.Set.of(0, 1, 2, 3, 4), t.specialIds());
        assertEquals(0, t.bosId().orElseThrow());
        assertEquals(1, t.eosId().orElseThrow(), "<|end_of_text|> is the end-of-sequence token");
    }

    @Test
    void decodeWithSkipSpecialDropsOnlyTheControlTokens() {
        Tokenizer t = Fixtures.fixtureTokenizer();
        int[] ids = t.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true);
        assertEquals("user\n\nHi", t.decode(ids, true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", t.decode(ids, false));
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return oneLine.isEmpty() ? "(empty)" : oneLine.length() > 50 ? oneLine.substring(0, 50) + "..." : oneLine;
    }
}
