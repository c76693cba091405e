package dev.thinktune.model;

import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face directories in and out: bit-exact round trips and clear errors on damaged files. */
class CheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void saveThenLoadIsBitExactAndWritesWhatTransformersExpects() throws IOException {
        ModelWeights w = HfCheckpoint.load(Fixtures.model("tiny-llama3"));
        Path dir = tmp.resolve("out");
        HfCheckpoint.save(dir, w);
        ModelWeights back = HfCheckpoint.load(dir);
        for (Map.Entry<String, INDArray> e : w.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data().asFloat(), back.get(e.getKey()).data().asFloat(), 0f, e.getKey());
        }
        assertEquals(w.config(), back.config());
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertFalse(f.tensors().containsKey("lm_head.weight"), "tied head is not stored");
            assertEquals(DType.F32, f.info("model.norm.weight").dtype());
            assertArrayEquals(new long[]{384, 64}, f.info("model.embed_tokens.weight").shape());
        }
        // the original file's tensors and the written one's are the same bytes
        try (SafetensorsFile a = SafetensorsFile.open(Fixtures.model("tiny-llama3").resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String n : a.tensors().keySet()) {
                assertEquals(a.map(n), b.map(n), n);
            }
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("out"), files.map(p -> p.getFileName().toString()).toList(), "no staging left");
        }
    }

    @Test
    void bf16AndF16SavesRoundTripThroughTheirPrecision() {
        ModelWeights w = HfCheckpoint.load(Fixtures.model("tiny-llama2"), "model-bf16.safetensors");
        Path dir = tmp.resolve("bf16");
        HfCheckpoint.save(dir, w, DType.BF16, Map.of());
        ModelWeights back = HfCheckpoint.load(dir);
        for (String n : w.tensors().keySet()) {
            assertArrayEquals(w.get(n).data().asFloat(), back.get(n).data().asFloat(), 0f, n);
        }
        Path f16 = tmp.resolve("f16");
        HfCheckpoint.save(f16, w, DType.F16, Map.of());
        ModelWeights half = HfCheckpoint.load(f16);
        float[] a = w.get("model.layers.0.mlp.up_proj.weight").data().asFloat();
        float[] b = half.get("model.layers.0.mlp.up_proj.weight").data().asFloat();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], Math.abs(a[i]) * 1e-3 + 1e-7);
        }
    }

    @Test
    void shardedCheckpointsLoadThroughTheirIndex() throws IOException {
        ModelWeights w = HfCheckpoint.load(Fixtures.model("tiny-llama2"));
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(Fixtures.model("tiny-llama2").resolve("config.json"), dir.resolve("config.json"));
        List<String> names = List.copyOf(w.tensors().keySet());
        StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        for (int shard = 0; shard < 2; shard++) {
            String file = "model-0000" + (shard + 1) + "-of-00002.safetensors";
            List<SafetensorsWriter.Entry> entries = new java.util.ArrayList<>();
            for (int i = shard; i < names.size(); i += 2) {
                INDArray a = w.get(names.get(i));
                entries.add(new SafetensorsWriter.Entry(names.get(i), DType.F32, a.shape(), HfCheckpoint.floatView(a)));
                index.append('"').append(names.get(i)).append("\":\"").append(file).append("\",");
            }
            SafetensorsWriter.write(dir.resolve(file), entries, Map.of("format", "pt"));
        }
        index.setLength(index.length() - 1);
        index.append("}}");
        Files.writeString(dir.resolve("model.safetensors.index.json"), index);
        ModelWeights back = HfCheckpoint.load(dir);
        for (String n : names) {
            assertArrayEquals(w.get(n).data().asFloat(), back.get(n).data().asFloat(), 0f, n);
        }
    }

    @Test
    void truncatedFileNamesTheTensorOutOfRange() throws IOException {
        Path f = copyOfFixtureWeights();
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 100));
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains("out of range") && e.getMessage().contains("tensor '"), e.getMessage());
    }

    @Test
    void badHeaderLengthIsRefused() throws IOException {
        Path f = tmp.resolve("bad.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putLong(0);
        Files.write(f, b.array());
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("bad header length"), e.getMessage());
        Files.write(f, new byte[]{1, 2, 3});
        e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void offsetBeyondTheDataAndSizeMismatchAreRefusedByName() throws IOException {
        Path f = rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,64]}}", 16);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("out of range"), e.getMessage());
        Path g = rawFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16);
        e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(g));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("needs 24"), e.getMessage());
    }

    @Test
    void unknownDtypeIsRefusedByName() throws IOException {
        Path f = rawFile("{\"w\":{\"dtype\":\"F8_E4M3X\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("unknown dtype 'F8_E4M3X'"),
                e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        ModelWeights w = HfCheckpoint.load(Fixtures.model("tiny-llama2"));
        Path dir = Files.createDirectories(tmp.resolve("missing"));
        Files.copy(Fixtures.model("tiny-llama2").resolve("config.json"), dir.resolve("config.json"));
        List<SafetensorsWriter.Entry> entries = new java.util.ArrayList<>();
        w.tensors().forEach((n, a) -> {
            if (!n.equals("model.layers.1.mlp.up_proj.weight")) {
                entries.add(new SafetensorsWriter.Entry(n, DType.F32, a.shape(), HfCheckpoint.floatView(a)));
            }
        });
        SafetensorsWriter.write(dir.resolve("model.safetensors"), entries, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("missing tensor 'model.layers.1.mlp.up_proj.weight'"), e.getMessage());
    }

    @Test
    void shapeThatDisagreesWithTheConfigIsNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("shape"));
        Files.copy(Fixtures.model("tiny-llama2").resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String cfg = Files.readString(Fixtures.model("tiny-llama2").resolve("config.json"))
                .replace("\"intermediate_size\": 128", "\"intermediate_size\": 96");
        Files.writeString(dir.resolve("config.json"), cfg);
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("mlp.") && e.getMessage().contains("has shape"), e.getMessage());
    }

    @Test
    void configFieldsItCannotHonourAreRefusedByName() throws IOException {
        String base = Files.readString(Fixtures.model("tiny-llama3").resolve("config.json"));
        assertRefused(base.replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""), "rope_type 'yarn'");
        assertRefused(base.replace("\"attention_bias\": false", "\"attention_bias\": true"), "attention_bias true");
        assertRefused(base.replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\""), "hidden_act 'gelu'");
        assertRefused(base.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"), "num_key_value_heads 3");
    }

    @Test
    void configReadsLlama3ScalingAndEosLists() throws IOException {
        LlamaConfig c = LlamaConfig.read(Fixtures.model("tiny-llama3").resolve("config.json"));
        assertEquals(16, c.headDim());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(new RopeScaling(32.0, 1.0, 4.0, 8192), c.ropeScaling());
        String withList = Files.readString(Fixtures.model("tiny-llama3").resolve("config.json"))
                .replace("\"eos_token_id\": 2", "\"eos_token_id\": [2, 5]");
        Path p = tmp.resolve("config.json");
        Files.writeString(p, withList);
        assertEquals(List.of(2, 5), LlamaConfig.read(p).eosTokenIds());
        assertEquals(c, LlamaConfig.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.toJsonString())));
    }

    private void assertRefused(String json, String expected) throws IOException {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, json);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LlamaConfig.read(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private Path copyOfFixtureWeights() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Files.copy(Fixtures.model("tiny-llama2").resolve("model.safetensors"), f);
        return f;
    }

    private Path rawFile(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = tmp.resolve("raw-" + System.nanoTime() + ".safetensors");
        Files.write(f, b.array());
        return f;
    }
}
