package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Every GSM8K training question and answer decodes back to itself, in one go and streamed. */
class Gsm8kRoundTripTest {

    @Test
    void everyQuestionAndAnswerRoundTrips() throws IOException {
        List<String> lines = Files.readAllLines(Fixtures.gsm8kTrain(), StandardCharsets.UTF_8);
        Tokenizer t = Fixtures.fixtureTokenizer();
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode row = json.readTree(lines.get(i));
            for (String field : List.of("question", "answer")) {
                String text = row.get(field).asText();
                int[] ids = t.encode(text, true);
                if (!text.equals(t.decode(ids, true))) {
                    fail("line " + (i + 1) + " " + field + " does not round-trip: " + text);
                }
                if (i % 50 == 0) {
                    Tokenizer.StreamingDecoder d = t.streamingDecoder(true);
                    StringBuilder streamed = new StringBuilder();
                    for (int id : ids) {
                        streamed.append(d.next(id));
                    }
                    assertEquals(text, streamed.append(d.flush()).toString());
                }
                checked++;
            }
        }
        assertEquals(2 * 7473, checked, "all 7,473 rows");
    }
}
