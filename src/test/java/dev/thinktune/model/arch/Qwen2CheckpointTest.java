package dev.thinktune.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.rollout.RolloutEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Qwen2 checkpoints: read, refused where thinktune cannot honour them, initialised, saved and read back. */
class Qwen2CheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void aQwen2ConfigDescribesBiasesOnQkvOnly() {
        LlamaConfig c = HfCheckpoint.readConfig(QwenTesting.tinyQwen2());
        assertEquals(Architecture.QWEN2, c.architecture());
        assertTrue(c.architecture().blocks().qkvBias());
        List<String> biases = c.tensors().stream().map(TensorSpec::name).filter(n -> n.endsWith(".bias")).toList();
        assertEquals(List.of("model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.k_proj.bias",
                "model.layers.0.self_attn.v_proj.bias", "model.layers.1.self_attn.q_proj.bias",
                "model.layers.1.self_attn.k_proj.bias", "model.layers.1.self_attn.v_proj.bias"), biases);
        // hidden 32, 4 heads of 8, 2 kv heads, ffn 64, vocab 64, 2 layers, separate head: counted by hand
        long layer = 32 + (32 * 32 + 32) + 2 * (16 * 32 + 16) + 32 * 32 + 32 + 3 * 64 * 32;
        assertEquals(2 * 64 * 32 + 2 * layer + 32, c.parameterCount());
        assertEquals(c.parameterCount(), HfCheckpoint.load(QwenTesting.tinyQwen2()).parameterCount());
    }

    @Test
    void freshWeightsStartBiasesAtZeroAndNormsAtOne() {
        LlamaConfig c = HfCheckpoint.readConfig(QwenTesting.tinyQwen2());
        ModelWeights w = ModelWeights.initialize(c, 0.02, 7);
        for (TensorSpec t : c.tensors()) {
            INDArray a = w.get(t.name());
            switch (t.init()) {
                case ZEROS -> assertEquals(0.0, a.norm1Number().doubleValue(), t.name());
                case NORM_ONES -> assertEquals(a.length(), a.sumNumber().doubleValue(), t.name());
                case NORMAL -> assertEquals(0.02, a.stdNumber().doubleValue(), 0.004, t.name());
            }
        }
        assertEquals(TensorSpec.Init.ZEROS, c.tensors().stream()
                .filter(t -> t.name().equals("model.layers.1.self_attn.v_proj.bias")).findFirst().orElseThrow().init());
    }

    @Test
    void saveThenLoadIsBitExactAndWritesAQwen2Config() throws IOException {
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen2());
        Path dir = tmp.resolve("saved");
        HfCheckpoint.save(dir, w);
        ModelWeights back = HfCheckpoint.load(dir);
        assertEquals(w.config(), back.config());
        for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data().asFloat(), back.get(e.getKey()).data().asFloat(), e.getKey());
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("qwen2", json.get("model_type").asText());
        assertEquals("Qwen2ForCausalLM", json.get("architectures").get(0).asText());
        assertFalse(json.get("use_sliding_window").asBoolean());
        assertFalse(json.has("attention_bias"), "attention_bias is Llama's field");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertArrayEquals(new long[]{16}, f.info("model.layers.1.self_attn.k_proj.bias").shape());
        }
    }

    @Test
    void theDecoderReadsBiasesStraightFromABf16Checkpoint() {
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen2());
        Path dir = tmp.resolve("bf16");
        HfCheckpoint.save(dir, w, DType.BF16, Map.of());
        ModelWeights widened = HfCheckpoint.load(dir); // the bf16 values, as float32
        try (SafetensorsFile ref = QwenTesting.reference();
             RolloutEngine fromDir = RolloutEngine.create(dir, RolloutEngine.Options.defaults());
             RolloutEngine fromArrays = RolloutEngine.create(widened)) {
            List<int[]> seqs = QwenTesting.referenceSequences(ref);
            List<float[]> a = fromDir.logprobs(seqs);
            List<float[]> b = fromArrays.logprobs(seqs);
            for (int s = 0; s < seqs.size(); s++) {
                assertArrayEquals(b.get(s), a.get(s), 1e-4f, "sequence " + s);
            }
        }
    }

    /** The refusal of the tiny Qwen2 config.json with {@code from} replaced by {@code to}. */
    private CheckpointException refusalOf(String from, String to) throws IOException {
        String json = Files.readString(QwenTesting.tinyQwen2().resolve("config.json"));
        assertTrue(json.contains(from), from);
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json.replace(from, to));
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaConfig.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void slidingWindowAttentionIsRefusedByName() throws IOException {
        CheckpointException e = refusalOf("\"use_sliding_window\": false", "\"use_sliding_window\": true");
        assertTrue(e.getMessage().contains("use_sliding_window true is not supported"), e.getMessage());
    }

    @Test
    void anUnknownModelTypeIsRefusedWithTheSupportedOnes() throws IOException {
        CheckpointException e = refusalOf("\"model_type\": \"qwen2\"", "\"model_type\": \"mistral\"");
        assertTrue(e.getMessage().contains("model_type 'mistral' is not supported (llama, qwen2, qwen3)"), e.getMessage());
    }

    @Test
    void theGenerationConfigsEndOfSequenceIdsAreAdded() throws IOException {
        Path dir = tmp.resolve("generation");
        HfCheckpoint.save(dir, HfCheckpoint.load(QwenTesting.tinyQwen2()));
        assertEquals(List.of(1), HfCheckpoint.readConfig(dir).eosTokenIds());
        Files.writeString(dir.resolve(HfCheckpoint.GENERATION_CONFIG), "{\"eos_token_id\": [5, 1], \"top_p\": 0.8}");
        assertEquals(List.of(1, 5), HfCheckpoint.readConfig(dir).eosTokenIds());
        assertEquals(List.of(1, 5), HfCheckpoint.load(dir).config().eosTokenIds());
        Files.writeString(dir.resolve(HfCheckpoint.GENERATION_CONFIG), "{\"eos_token_id\": 70}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.readConfig(dir));
        assertTrue(e.getMessage().contains("generation_config.json: eos_token_id 70 outside the vocabulary (64)"),
                e.getMessage());
    }

    @Test
    void aCheckpointWithoutItsBiasesIsRefusedNamingTheMissingOne() throws IOException {
        Path dir = tmp.resolve("nobias");
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen2());
        // the same tensors written as Llama (no biases), then read with the Qwen2 config
        HfCheckpoint.save(dir, new ModelWeights(w.config().withArchitecture(Architecture.LLAMA), w.tensors()));
        Files.copy(QwenTesting.tinyQwen2().resolve("config.json"), dir.resolve("config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("missing tensor 'model.layers.0.self_attn.q_proj.bias'"), e.getMessage());
    }
}
