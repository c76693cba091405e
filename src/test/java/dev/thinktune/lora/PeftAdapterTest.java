package dev.thinktune.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.DType;
import dev.thinktune.model.LlamaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PEFT's adapter directory: what is written is read back by a reader written here from the safetensors and PEFT
 * layouts alone (not by the product's reader), and files laid out as PEFT writes them, made here byte by byte,
 * load; what PEFT allows and thinktune cannot compute is refused by name.
 */
class PeftAdapterTest {
    @TempDir
    Path tmp;

    private static final LlamaConfig MODEL = LlamaConfig.of(300, 32, 48, 2, 4, 2, 64, true, 0, 1);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writtenFilesHavePeftsNamesShapesDtypeAndConfigFields() throws IOException {
        LoraConfig cfg = new LoraConfig(4, 16, 0.0, List.of("q_proj", "v_proj", "down_proj"));
        LoraAdapters a = LoraAdapters.initialize(cfg, MODEL, 5);
        PeftAdapter.write(tmp, a, "meta-llama/Llama-3.2-1B-Instruct", DType.F32);

        JsonNode c = JSON.readTree(tmp.resolve("adapter_config.json").toFile());
        assertEquals("LORA", c.get("peft_type").asText());
        assertEquals("CAUSAL_LM", c.get("task_type").asText());
        assertEquals(4, c.get("r").asInt());
        assertEquals(16, c.get("lora_alpha").asInt());
        assertEquals(0.0, c.get("lora_dropout").asDouble());
        assertEquals(List.of("q_proj", "v_proj", "down_proj"), strings(c.get("target_modules")));
        assertEquals("none", c.get("bias").asText());
        assertEquals(false, c.get("fan_in_fan_out").asBoolean(true));
        assertEquals("meta-llama/Llama-3.2-1B-Instruct", c.get("base_model_name_or_path").asText());
        assertEquals(true, c.get("inference_mode").asBoolean(false));

        Map<String, Raw> tensors = readRaw(tmp.resolve("adapter_model.safetensors"));
        assertEquals(12, tensors.size(), "2 layers x 3 modules x A, B");
        Raw qa = tensors.get("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight");
        assertEquals("F32", qa.dtype);
        assertArrayEquals(new long[]{4, 32}, qa.shape, "A is [r, in]");
        assertArrayEquals(new long[]{16, 4}, tensors.get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")
                .shape, "B of v_proj is [kv heads x head dim, r]");
        assertArrayEquals(new long[]{4, 48}, tensors.get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
                .shape);
        assertArrayEquals(a.a("model.layers.1.self_attn.q_proj").data().asFloat(), qa.values);
        // PEFT's default initialisation: A uniform within 1/sqrt(in), B zero
        for (float v : qa.values) {
            assertTrue(Math.abs(v) <= 1 / Math.sqrt(32), "A within the Kaiming bound: " + v);
        }
        for (float v : tensors.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").values) {
            assertEquals(0f, v);
        }
    }

    @Test
    void aDirectoryLaidOutAsPeftWritesItLoads() throws IOException {
        // PEFT 0.13's config for a Llama (keys as it writes them, bf16 tensors)
        ObjectNode c = JSON.createObjectNode();
        c.putNull("alpha_pattern").putNull("auto_mapping");
        c.put("base_model_name_or_path", "meta-llama/Llama-3.2-1B").put("bias", "none").put("fan_in_fan_out", false)
                .put("inference_mode", true).put("init_lora_weights", true).putNull("layer_replication");
        c.putNull("layers_pattern").putNull("layers_to_transform").putObject("loftq_config");
        c.put("lora_alpha", 32).put("lora_dropout", 0.05).putNull("megatron_config");
        c.put("megatron_core", "megatron.core").putNull("modules_to_save");
        c.put("peft_type", "LORA").put("r", 2).putObject("rank_pattern");
        c.putNull("revision").putArray("target_modules").add("v_proj").add("q_proj");
        c.put("task_type", "CAUSAL_LM").put("use_dora", false).put("use_rslora", false);
        c.putObject("alpha_pattern");
        Files.writeString(tmp.resolve("adapter_config.json"), c.toString());
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("q_proj", "v_proj")) {
                String base = "base_model.model.model.layers." + l + ".self_attn." + m;
                int out = m.equals("q_proj") ? 32 : 16;
                shapes.put(base + ".lora_A.weight", new long[]{2, 32});
                shapes.put(base + ".lora_B.weight", new long[]{out, 2});
                values.put(base + ".lora_A.weight", ramp(64, l + 1));
                values.put(base + ".lora_B.weight", ramp(out * 2, -(l + 1)));
            }
        }
        writeRawBf16(tmp.resolve("adapter_model.safetensors"), values, shapes);

        LoraAdapters a = PeftAdapter.read(tmp, MODEL);
        assertEquals(List.of("q_proj", "v_proj"), a.config().targetModules(), "in the model's order");
        assertEquals(1.0 * 32 / 2, a.config().scale());
        assertEquals(0.05, a.config().dropout(), "dropout is kept (it does nothing at inference)");
        INDArray b = a.b("model.layers.1.self_attn.v_proj");
        assertArrayEquals(new long[]{16, 2}, b.shape());
        assertArrayEquals(bf16Rounded(values.get("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")),
                b.data().asFloat());
        assertThrows(IllegalArgumentException.class, () -> a.config().requireTrainable(),
                "training refuses a dropout other than 0");
    }

    @Test
    void aRegularExpressionTargetSelectsTheProjectionsItMatches() throws IOException {
        LoraAdapters a = LoraAdapters.initialize(new LoraConfig(2, 4, 0, List.of("q_proj", "k_proj")), MODEL, 1);
        PeftAdapter.write(tmp, a, "base", DType.F32);
        ObjectNode c = (ObjectNode) JSON.readTree(tmp.resolve("adapter_config.json").toFile());
        c.put("target_modules", ".*\\.(q_proj|k_proj)$");
        Files.writeString(tmp.resolve("adapter_config.json"), c.toString());
        assertEquals(List.of("q_proj", "k_proj"), PeftAdapter.read(tmp, MODEL).config().targetModules());
        c.put("target_modules", ".*layers\\.0\\..*q_proj");
        Files.writeString(tmp.resolve("adapter_config.json"), c.toString());
        CheckpointException e = assertThrows(CheckpointException.class, () -> PeftAdapter.readConfig(tmp));
        assertTrue(e.getMessage().contains("in some layers only"), e.getMessage());
    }

    @Test
    void unknownModulesWrongShapesAndUnsupportedOptionsAreRefusedByName() throws IOException {
        LoraAdapters a = LoraAdapters.initialize(new LoraConfig(4, 8, 0, List.of("q_proj")), MODEL, 1);
        PeftAdapter.write(tmp, a, "base", DType.F32);
        Path config = tmp.resolve("adapter_config.json");
        String good = Files.readString(config);

        Files.writeString(config, good.replace("\"q_proj\"", "\"q_proj\", \"lm_head\""));
        CheckpointException e = assertThrows(CheckpointException.class, () -> PeftAdapter.read(tmp, MODEL));
        assertTrue(e.getMessage().contains("'lm_head'"), e.getMessage());

        Files.writeString(config, good.replace("\"use_dora\" : false", "\"use_dora\" : true"));
        e = assertThrows(CheckpointException.class, () -> PeftAdapter.read(tmp, MODEL));
        assertTrue(e.getMessage().contains("use_dora"), e.getMessage());

        Files.writeString(config, good.replace("\"r\" : 4", "\"r\" : 8"));
        e = assertThrows(CheckpointException.class, () -> PeftAdapter.read(tmp, MODEL));
        assertTrue(e.getMessage().contains("'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'")
                && e.getMessage().contains("[4, 32]") && e.getMessage().contains("[8, 32]"), e.getMessage());

        Files.writeString(config, good);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        a.tensors().forEach((k, v) -> {
            values.put(PeftAdapter.PREFIX + k, v.data().asFloat());
            shapes.put(PeftAdapter.PREFIX + k, v.shape());
        });
        values.put("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", new float[4 * 32]);
        shapes.put("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", new long[]{4, 32});
        writeRawBf16(tmp.resolve("adapter_model.safetensors"), values, shapes);
        e = assertThrows(CheckpointException.class, () -> PeftAdapter.read(tmp, MODEL));
        assertTrue(e.getMessage().contains("'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight'"),
                e.getMessage());

        e = assertThrows(CheckpointException.class, () -> PeftAdapter.read(tmp.resolve("nowhere"), MODEL));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("adapter_config.json"),
                e.getMessage());
    }

    // --- an independent safetensors reader and bf16 writer (the format: u64 header size, JSON header, data) ---

    private record Raw(String dtype, long[] shape, float[] values) {
    }

    private static Map<String, Raw> readRaw(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong(0);
        JsonNode header = JSON.readTree(new String(bytes, 8, n, StandardCharsets.UTF_8));
        Map<String, Raw> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            int begin = t.get("data_offsets").get(0).asInt(), end = t.get("data_offsets").get(1).asInt();
            float[] v = new float[(end - begin) / 4];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getFloat(8 + n + begin + 4 * i);
            }
            out.put(e.getKey(), new Raw(t.get("dtype").asText(), shape, v));
        }
        return out;
    }

    private static void writeRawBf16(Path file, Map<String, float[]> values, Map<String, long[]> shapes)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        List<String> names = new ArrayList<>(values.keySet());
        for (String name : names) {
            ObjectNode t = header.putObject(name);
            t.put("dtype", "BF16");
            for (long d : shapes.get(name)) {
                t.withArray("shape").add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + 2L * values.get(name).length);
            offset += 2L * values.get(name).length;
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        for (String name : names) {
            for (float v : values.get(name)) {
                out.putShort((short) (Float.floatToIntBits(v) >>> 16)); // truncation: exact for the values used
            }
        }
        Files.write(file, out.array());
    }

    private static float[] ramp(int n, int sign) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = sign * (i % 7 - 3) / 8f;
        }
        return v;
    }

    private static float[] bf16Rounded(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.intBitsToFloat(Float.floatToIntBits(v[i]) & 0xffff0000);
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }
}
