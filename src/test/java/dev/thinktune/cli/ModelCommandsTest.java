package dev.thinktune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.arch.QwenTesting;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** inspect and score through the command line, against the fixtures. */
class ModelCommandsTest {

    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[]{String.valueOf(r.code()), r.out(), r.err()};
    }

    @Test
    void inspectShowsConfigParametersAndTensors() {
        String[] r = run("inspect", Fixtures.model("tiny-llama2").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("vocab 320, hidden 48, layers 2, heads 4 / 4 kv"), r[1]);
        assertTrue(r[1].contains("separate head"), r[1]);
        assertTrue(r[1].contains("lm_head.weight"), r[1]);
        // 2 layers * (4*48*48 + 3*48*128 + 2*48) + 2*320*48 (embedding, head) + 48 (final norm) = 86,256
        assertTrue(r[1].contains("parameters 86,256"), r[1]);
    }

    @Test
    void inspectShowsTheArchitectureAndChecksItsTensors() throws Exception {
        String[] r = run("inspect", QwenTesting.tinyQwen2().toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("architecture qwen2 (Qwen2ForCausalLM), bias on q/k/v projections"), r[1]);
        assertTrue(r[1].matches("(?s).*model\\.layers\\.1\\.self_attn\\.v_proj\\.bias +F32 +\\[16\\] +zeros.*"), r[1]);
        assertTrue(r[1].contains("parameters 22,816"), r[1]);
        assertTrue(run("inspect", Fixtures.model("tiny-llama2").toString())[1]
                .contains("architecture llama (LlamaForCausalLM)\n"));
        // a Llama checkpoint's tensors under a Qwen2 config: inspect names what the architecture misses
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("as-qwen2");
        java.nio.file.Files.copy(Fixtures.model("tiny-llama2").resolve("model.safetensors"),
                dir.resolve("model.safetensors"));
        java.nio.file.Files.writeString(dir.resolve("config.json"), java.nio.file.Files.readString(
                Fixtures.model("tiny-llama2").resolve("config.json")).replace("\"llama\"", "\"qwen2\""));
        r = run("inspect", dir.toString());
        assertTrue(r[1].contains("missing: 6 tensor(s) the qwen2 architecture has: [model.layers.0.self_attn.q_proj"
                + ".bias"), r[1]);
    }

    @Test
    void scoreGivesTheTorchReferenceOfAQwen2Model() throws Exception {
        try (SafetensorsFile ref = QwenTesting.reference()) {
            int[] ids = QwenTesting.referenceSequences(ref).get(1);
            String joined = String.join(",", Arrays.stream(ids).mapToObj(Integer::toString).toList());
            String[] r = run("score", "--model", QwenTesting.tinyQwen2().toString(), "--ids", joined);
            assertEquals("0", r[0], r[2]);
            JsonNode json = new ObjectMapper().readTree(r[1]);
            float[] expected = ref.floats("token_logprobs");
            int t1 = ids.length - 1;
            for (int t = 1; t < ids.length; t++) {
                assertEquals(expected[t1 + t - 1], json.get("logprobs").get(t).asDouble(), 1e-4, "token " + t);
            }
        }
    }

    @Test
    void scorePrintsTheFixtureTokenLogprobs() throws Exception {
        try (SafetensorsFile g = Fixtures.golden("tiny-llama3")) {
            int[] ids = Arrays.copyOfRange(g.ints("input_ids"), 0, 24); // row 0 is unpadded
            String joined = String.join(",", Arrays.stream(ids).mapToObj(Integer::toString).toList());
            String[] r = run("score", "--model", Fixtures.model("tiny-llama3").toString(), "--ids", joined);
            assertEquals("0", r[0], r[2]);
            JsonNode json = new ObjectMapper().readTree(r[1]);
            assertTrue(json.get("logprobs").get(0).isNull());
            float[] golden = g.floats("token_logprobs");
            for (int t = 1; t < 24; t++) {
                assertEquals(golden[t - 1], json.get("logprobs").get(t).asDouble(), 1e-4, "token " + t);
            }
        }
    }

    @Test
    void scoreRefusesIdsOutsideTheVocabularyInOneLine() {
        String[] r = run("score", "--model", Fixtures.model("tiny-llama3").toString(), "--ids", "1,5,999");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("token id 999 is outside the vocabulary"), r[2]);
        assertEquals(1, r[2].strip().lines().count(), "one line, no stack trace: " + r[2]);
    }

    @Test
    void inspectOfAnEmptyDirectorySaysWhatIsMissing() throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.createTempDirectory("empty");
        String[] r = run("inspect", empty.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no config.json"), r[2]);
    }
}
