package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.CheckpointTensors;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.RopeScaling;
import dev.thinktune.model.TensorInfo;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The random checkpoint maker writes what the hub has, and what it writes reads back unchanged. */
class RandomCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A small architecture with Llama 3.2's features: rope scaling, tied head, three EOS ids. */
    private static final LlamaConfig SMALL_LLAMA32 = new LlamaConfig(600, 48, 96, 2, 4, 2, 12, 1e-5, 500_000.0,
            new RopeScaling(32.0, 1.0, 4.0, 8192), 131_072, true, 500, List.of(501, 508, 509));

    private static byte[] raw(CheckpointTensors t, String name) {
        TensorInfo info = t.info(name);
        ByteBuffer b = ByteBuffer.allocate((int) info.byteSize());
        t.read(name, 0, b);
        return b.array();
    }

    @Test
    void shardedCheckpointReadsBackTheSameTensorsBitForBit(@TempDir Path tmp) throws Exception {
        Path sharded = tmp.resolve("sharded");
        Path single = tmp.resolve("single");
        RandomCheckpoint.Written w = RandomCheckpoint.write(SMALL_LLAMA32, sharded, 7, 20_000, s -> { });
        RandomCheckpoint.write(SMALL_LLAMA32, single, 7, Long.MAX_VALUE, s -> { });
        assertTrue(w.weightFiles().size() >= 3, "shards: " + w.weightFiles());
        assertTrue(Files.isRegularFile(sharded.resolve(HfCheckpoint.INDEX)));
        assertFalse(Files.exists(sharded.resolve(HfCheckpoint.WEIGHTS)));
        assertTrue(Files.isRegularFile(single.resolve(HfCheckpoint.WEIGHTS)));
        assertFalse(Files.exists(single.resolve(HfCheckpoint.INDEX)));

        JsonNode index = JSON.readTree(sharded.resolve(HfCheckpoint.INDEX).toFile());
        long sum = 0;
        for (Path f : w.weightFiles()) {
            sum += Files.size(f);
        }
        long total = index.path("metadata").path("total_size").asLong();
        assertEquals(w.tensorBytes(), total);
        assertTrue(total < sum, "total_size counts tensor bytes, not headers");
        assertEquals(SMALL_LLAMA32.parameterShapes().size(), index.path("weight_map").size());

        assertEquals(List.of(501, 508, 509), HfCheckpoint.readConfig(sharded).eosTokenIds());
        try (CheckpointTensors a = CheckpointTensors.open(sharded); CheckpointTensors b = CheckpointTensors.open(single)) {
            assertEquals(SMALL_LLAMA32, a.config());
            for (String name : a.names()) {
                assertEquals(DType.BF16, a.info(name).dtype(), name);
                assertArrayEquals(raw(b, name), raw(a, name), name);
            }
            // matrices are normal(0, 0.02), norms are ones
            float[] q = new float[96 * 48];
            float[] norm = new float[48];
            var loaded = HfCheckpoint.load(sharded);
            loaded.get("model.layers.1.mlp.up_proj.weight").data().asNioFloat().get(q);
            loaded.get("model.norm.weight").data().asNioFloat().get(norm);
            double s2 = 0;
            for (float v : q) {
                s2 += v * v;
            }
            assertEquals(0.02, Math.sqrt(s2 / q.length), 0.002);
            for (float v : norm) {
                assertEquals(1f, v);
            }
        }
        // tensors of different names differ (each has its own seed)
        try (CheckpointTensors a = CheckpointTensors.open(sharded)) {
            assertFalse(java.util.Arrays.equals(raw(a, "model.layers.0.mlp.up_proj.weight"),
                    raw(a, "model.layers.0.mlp.gate_proj.weight")));
        }
    }

    @Test
    void tokenizerHasTheModelsVocabularyAndSpecialTokens(@TempDir Path tmp) {
        Path dir = tmp.resolve("m");
        RandomCheckpoint.write(SMALL_LLAMA32, dir, 1, Long.MAX_VALUE, s -> { });
        Tokenizer tok = Tokenizers.load(dir);
        assertEquals(600, tok.vocabSize());
        String text = "Natalia sold clips to 48 of her friends in April. ¿Qué?";
        int[] ids = tok.encode(text, false);
        for (int id : ids) {
            assertTrue(id >= 0 && id < 600 && id != 500 && id != 501, "id " + id);
        }
        assertEquals(text, tok.decode(ids, false));
    }

    /** The config.json of the 128k shapes against the values meta-llama and HuggingFaceTB publish. */
    @Test
    void configJsonHasThePublishedValues() throws Exception {
        JsonNode c = JSON.readTree(RandomCheckpoint.configJson(BenchSize.of("llama-3.2-1b").config()));
        assertEquals("LlamaForCausalLM", c.path("architectures").get(0).asText());
        assertEquals("llama", c.path("model_type").asText());
        assertEquals(128256, c.path("vocab_size").asInt());
        assertEquals(2048, c.path("hidden_size").asInt());
        assertEquals(8192, c.path("intermediate_size").asInt());
        assertEquals(16, c.path("num_hidden_layers").asInt());
        assertEquals(32, c.path("num_attention_heads").asInt());
        assertEquals(8, c.path("num_key_value_heads").asInt());
        assertEquals(64, c.path("head_dim").asInt());
        assertEquals(131072, c.path("max_position_embeddings").asInt());
        assertEquals(1e-5, c.path("rms_norm_eps").asDouble());
        assertEquals(500000.0, c.path("rope_theta").asDouble());
        JsonNode rs = c.path("rope_scaling");
        assertEquals(32.0, rs.path("factor").asDouble());
        assertEquals(1.0, rs.path("low_freq_factor").asDouble());
        assertEquals(4.0, rs.path("high_freq_factor").asDouble());
        assertEquals(8192, rs.path("original_max_position_embeddings").asInt());
        assertEquals("llama3", rs.path("rope_type").asText());
        assertTrue(c.path("tie_word_embeddings").asBoolean());
        assertEquals(128000, c.path("bos_token_id").asInt());
        assertTrue(c.path("eos_token_id").isArray());
        List<Integer> eos = new ArrayList<>();
        c.path("eos_token_id").forEach(e -> eos.add(e.asInt()));
        assertEquals(List.of(128001, 128008, 128009), eos);
        assertEquals("bfloat16", c.path("torch_dtype").asText());
        assertEquals("silu", c.path("hidden_act").asText());
        assertEquals(0.02, c.path("initializer_range").asDouble());
        assertEquals(1_235_814_400L, BenchSize.of("llama-3.2-1b").config().parameterCount());

        JsonNode b = JSON.readTree(RandomCheckpoint.configJson(BenchSize.of("llama-3.2-3b").config()));
        assertEquals(3072, b.path("hidden_size").asInt());
        assertEquals(28, b.path("num_hidden_layers").asInt());
        assertEquals(24, b.path("num_attention_heads").asInt());
        assertEquals(128, b.path("head_dim").asInt());

        JsonNode s = JSON.readTree(RandomCheckpoint.configJson(BenchSize.of("smollm2-135m").config()));
        assertEquals(49152, s.path("vocab_size").asInt());
        assertEquals(576, s.path("hidden_size").asInt());
        assertEquals(1536, s.path("intermediate_size").asInt());
        assertEquals(30, s.path("num_hidden_layers").asInt());
        assertEquals(9, s.path("num_attention_heads").asInt());
        assertEquals(3, s.path("num_key_value_heads").asInt());
        assertEquals(100000.0, s.path("rope_theta").asDouble());
        assertEquals(8192, s.path("max_position_embeddings").asInt());
        assertTrue(s.path("rope_scaling").isNull());
        assertEquals(0, s.path("bos_token_id").asInt());
        assertEquals(0, s.path("eos_token_id").asInt());
        assertTrue(s.path("tie_word_embeddings").asBoolean());
    }

    @Test
    void shardsFollowModelOrderAndTheSizeLimit() {
        LlamaConfig c = SMALL_LLAMA32;
        long limit = 30_000;
        List<List<String>> shards = RandomCheckpoint.shards(c, limit);
        List<String> flat = new ArrayList<>();
        shards.forEach(flat::addAll);
        assertEquals(new ArrayList<>(c.parameterShapes().keySet()), flat);
        for (List<String> shard : shards) {
            long bytes = 0;
            for (String n : shard) {
                long[] shape = c.parameterShapes().get(n);
                bytes += 2L * shape[0] * (shape.length > 1 ? shape[1] : 1);
            }
            assertTrue(bytes <= limit || shard.size() == 1, shard + ": " + bytes);
        }
    }
}
