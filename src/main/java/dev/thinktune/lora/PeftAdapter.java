package dev.thinktune.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.DType;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.SafetensorsWriter;
import dev.thinktune.model.TensorInfo;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adapters in Hugging Face PEFT's directory format: {@code adapter_config.json} (a {@code LORA} config for a
 * {@code CAUSAL_LM}) and {@code adapter_model.safetensors} with PEFT's tensor names
 * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}, {@code [r, in]}; {@code lora_B},
 * {@code [out, r]}). What PEFT writes loads here, and what is written here loads in PEFT. PEFT options that change
 * the computation and that thinktune does not implement (rsLoRA, DoRA, trained biases, per-layer ranks, extra
 * trained modules) are refused by name rather than ignored.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT puts before the base model's module names. */
    public static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapter() {
    }

    /** Whether {@code dir} holds an adapter (its config file). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /**
     * Writes {@code adapters} into {@code dir} (created if needed; each file atomically), tensors in
     * {@code dtype}, recording {@code baseModel} as {@code base_model_name_or_path}.
     */
    public static void write(Path dir, LoraAdapters adapters, String baseModel, DType dtype) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException("cannot create adapter directory " + dir + ": " + e.getMessage());
        }
        AtomicFiles.writeString(dir.resolve(CONFIG), configJson(adapters.config(), baseModel));
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        adapters.tensors().forEach((name, arr) -> {
            INDArray c = arr.isView() || arr.ordering() != 'c' ? arr.dup('c') : arr;
            entries.add(new SafetensorsWriter.Entry(PREFIX + name, dtype, c.shape(), c.data().asNioFloat()));
        });
        SafetensorsWriter.write(dir.resolve(WEIGHTS), entries, Map.of("format", "pt"));
    }

    /** PEFT's {@code adapter_config.json} for {@code config}. */
    static String configJson(LoraConfig config, String baseModel) {
        ObjectNode n = JSON.createObjectNode();
        n.put("peft_type", "LORA");
        n.put("task_type", "CAUSAL_LM");
        n.put("r", config.r());
        if (config.alpha() == Math.rint(config.alpha())) {
            n.put("lora_alpha", (long) config.alpha());
        } else {
            n.put("lora_alpha", config.alpha());
        }
        n.put("lora_dropout", config.dropout());
        config.targetModules().forEach(n.putArray("target_modules")::add);
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.put("base_model_name_or_path", baseModel);
        n.put("inference_mode", true);
        n.put("init_lora_weights", true);
        n.put("use_rslora", false);
        n.put("use_dora", false);
        n.putNull("modules_to_save");
        n.putNull("layers_to_transform");
        n.putNull("layers_pattern");
        n.putObject("rank_pattern");
        n.putObject("alpha_pattern");
        n.putNull("revision");
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The adapter config of {@code dir}, checked: errors name the file and the field. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        JsonNode n;
        try {
            n = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(dir + " is not an adapter directory: " + CONFIG + " not found");
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new CheckpointException(file + ": must be a JSON object");
        }
        String type = n.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new CheckpointException(file + ": peft_type = '" + type + "', only LORA adapters load here");
        }
        String task = n.path("task_type").asText("CAUSAL_LM");
        if (!n.path("task_type").isNull() && !task.equals("CAUSAL_LM")) {
            throw new CheckpointException(file + ": task_type = '" + task + "', only CAUSAL_LM adapters load here");
        }
        refuse(file, n, "use_rslora", v -> v.asBoolean(false), "rank-stabilised scaling");
        refuse(file, n, "use_dora", v -> v.asBoolean(false), "DoRA");
        refuse(file, n, "fan_in_fan_out", v -> v.asBoolean(false), "transposed (Conv1D) weights");
        refuse(file, n, "modules_to_save", v -> !v.isNull() && !(v.isArray() && v.isEmpty()), "extra trained modules");
        refuse(file, n, "layers_to_transform", v -> !v.isNull(), "adapters on some layers only");
        refuse(file, n, "rank_pattern", v -> v.isObject() && !v.isEmpty(), "per-module ranks");
        refuse(file, n, "lora_bias", v -> v.asBoolean(false), "a bias on lora_B");
        refuse(file, n, "layer_replication", v -> !v.isNull(), "replicated layers");
        refuse(file, n, "trainable_token_indices", v -> !v.isNull(), "trained token embeddings");
        refuse(file, n, "target_parameters", v -> !v.isNull() && !(v.isArray() && v.isEmpty()), "adapters on parameters");
        refuse(file, n, "use_qalora", v -> v.asBoolean(false), "QA-LoRA");
        refuse(file, n, "exclude_modules", v -> !v.isNull() && !(v.isArray() && v.isEmpty()), "excluded modules");
        refuse(file, n, "alpha_pattern", v -> v.isObject() && !v.isEmpty(), "per-module alphas");
        String bias = n.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new CheckpointException(file + ": bias = '" + bias + "', only 'none' is supported");
        }
        if (!n.path("r").canConvertToInt() || !n.path("lora_alpha").isNumber()) {
            throw new CheckpointException(file + ": r and lora_alpha must be numbers");
        }
        JsonNode targets = n.path("target_modules");
        List<String> modules = new ArrayList<>();
        if (targets.isTextual()) {
            modules.addAll(matching(file, targets.asText()));
        } else if (targets.isArray()) {
            targets.forEach(t -> modules.add(t.asText()));
        } else {
            throw new CheckpointException(file + ": target_modules must be a list of module names");
        }
        for (String m : modules) {
            if (!LoraConfig.MODULES.contains(m)) {
                throw new CheckpointException(file + ": target module '" + m + "' is not a projection of a Llama "
                        + "layer (" + String.join(", ", LoraConfig.MODULES) + ")");
            }
        }
        // PEFT lists target modules as a set; keep the projections in the model's own order
        List<String> ordered = LoraConfig.MODULES.stream().filter(modules::contains).toList();
        try {
            return new LoraConfig(n.path("r").asInt(), n.path("lora_alpha").asDouble(),
                    n.path("lora_dropout").asDouble(0.0), ordered);
        } catch (LoraConfigException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    /**
     * The projections a PEFT {@code target_modules} regular expression selects: PEFT matches it against each
     * module's full name ({@code model.layers.0.self_attn.q_proj}); it must select a projection in every layer
     * or in none.
     */
    private static List<String> matching(Path file, String regex) {
        java.util.regex.Pattern p;
        try {
            p = java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new CheckpointException(file + ": target_modules '" + regex + "' is not a regular expression: "
                    + e.getDescription());
        }
        List<String> out = new ArrayList<>();
        for (String m : LoraConfig.MODULES) {
            boolean first = p.matcher(LoraAdapters.module(0, m)).matches();
            for (int layer = 1; layer < 512; layer++) {
                if (p.matcher(LoraAdapters.module(layer, m)).matches() != first) {
                    throw new CheckpointException(file + ": target_modules '" + regex + "' selects " + m
                            + " in some layers only, which is not supported");
                }
            }
            if (first) {
                out.add(m);
            }
        }
        if (out.isEmpty()) {
            throw new CheckpointException(file + ": target_modules '" + regex + "' selects no projection of a "
                    + "Llama layer (" + String.join(", ", LoraConfig.MODULES) + ")");
        }
        return out;
    }

    private interface Check {
        boolean on(JsonNode value);
    }

    private static void refuse(Path file, JsonNode n, String field, Check set, String what) {
        JsonNode v = n.get(field);
        if (v != null && set.on(v)) {
            throw new CheckpointException(file + ": " + field + " = " + v + ": " + what + " is not supported");
        }
    }

    /**
     * The adapters of {@code dir} for a base model of config {@code model}, as float32 arrays whatever dtype the
     * file stores. A tensor of an unknown module or of the wrong shape is refused with its name.
     */
    public static LoraAdapters read(Path dir, LlamaConfig model) {
        LoraConfig config = readConfig(dir);
        Map<String, long[]> shapes = LoraAdapters.shapes(config, model);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(dir + ": " + WEIGHTS + " not found");
        }
        LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (TensorInfo t : st.tensors().values()) {
                String name = t.name();
                String local = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
                // PEFT keeps the adapter's name in memory (lora_A.default.weight) but not in its files
                local = local.replace(".lora_A.default.weight", LoraAdapters.A)
                        .replace(".lora_B.default.weight", LoraAdapters.B);
                long[] want = shapes.get(local);
                if (want == null) {
                    throw new CheckpointException(file + ": tensor '" + name + "' is not an adapter of a target "
                            + "module (" + String.join(", ", config.targetModules()) + ") of this "
                            + model.numLayers() + "-layer model");
                }
                if (!t.dtype().isFloating()) {
                    throw new CheckpointException(file + ": tensor '" + name + "' is " + t.dtype());
                }
                if (!Arrays.equals(t.shape(), want)) {
                    throw new CheckpointException(file + ": tensor '" + name + "' has shape "
                            + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(want) + " (r = "
                            + config.r() + ")");
                }
                tensors.put(local, Nd4j.createFromArray(st.floats(name)).reshape(want));
            }
        }
        for (String name : shapes.keySet()) {
            if (!tensors.containsKey(name)) {
                throw new CheckpointException(file + ": tensor '" + PREFIX + name + "' is missing");
            }
        }
        return new LoraAdapters(config, model, tensors);
    }
}
