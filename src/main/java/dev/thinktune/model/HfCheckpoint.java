package dev.thinktune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * A Hugging Face model directory: {@code config.json} plus {@code model.safetensors} or a sharded
 * {@code model.safetensors.index.json}. Loads into float32 arrays (F32, BF16 and F16 files) without an extra heap
 * copy of any tensor ({@link CheckpointTensors} reads them in the stored dtype), and saves as transformers does,
 * atomically.
 */
public final class HfCheckpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** Beside config.json in published checkpoints; its {@code eos_token_id} adds to the config's. */
    public static final String GENERATION_CONFIG = "generation_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfCheckpoint() {
    }

    public static boolean isCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG))
                && (Files.isRegularFile(dir.resolve(WEIGHTS)) || Files.isRegularFile(dir.resolve(INDEX)));
    }

    public static LlamaConfig readConfig(Path dir) {
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new CheckpointException(dir + ": no config.json (not a Hugging Face model directory)");
        }
        LlamaConfig config = LlamaConfig.read(cfg);
        Path generation = dir.resolve(GENERATION_CONFIG);
        return Files.isRegularFile(generation) ? config.withGenerationConfig(generation) : config;
    }

    public static ModelWeights load(Path dir) {
        return load(dir, WEIGHTS);
    }

    /** Loads the weights from {@code weightsFile} (a file name in {@code dir}, or the index when sharded). */
    public static ModelWeights load(Path dir, String weightsFile) {
        return read(dir, weightsFile, false);
    }

    /**
     * Loads the weights for a model that will stay frozen (trained through adapters): matrices stored as bfloat16
     * stay bfloat16 (half the memory of float32; the graph widens them, exactly, where it multiplies by them),
     * everything else is read as float32.
     */
    public static ModelWeights loadFrozen(Path dir) {
        return loadFrozen(dir, WEIGHTS);
    }

    /** As {@link #loadFrozen(Path)}, from {@code weightsFile} (a file in {@code dir}, or the index). */
    public static ModelWeights loadFrozen(Path dir, String weightsFile) {
        return read(dir, weightsFile, true);
    }

    /** Every tensor as float32, or with {@code keepBf16} bfloat16 matrices as they are stored; all checked finite. */
    private static ModelWeights read(Path dir, String weightsFile, boolean keepBf16) {
        try (CheckpointTensors tensors = CheckpointTensors.open(dir, weightsFile)) {
            Map<String, INDArray> out = new LinkedHashMap<>();
            Map<String, INDArray> floats = new LinkedHashMap<>();
            for (String name : tensors.names()) {
                TensorInfo t = tensors.info(name);
                INDArray arr;
                if (keepBf16 && t.dtype() == DType.BF16 && t.shape().length == 2) {
                    arr = Nd4j.createUninitialized(DataType.BFLOAT16, t.shape(), 'c');
                    java.nio.ByteBuffer bytes = arr.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
                    bytes.clear().limit(Math.toIntExact(t.numel() * 2));
                    tensors.read(name, 0, bytes);
                    java.nio.ShortBuffer bits = bytes.flip().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                    short[] chunk = new short[1 << 16];
                    for (long start = 0; start < t.numel(); start += chunk.length) {
                        int n = (int) Math.min(chunk.length, t.numel() - start);
                        bits.get(chunk, 0, n);
                        FiniteWeights.requireBf16(dir, name, t.shape(), start, chunk, 0, n);
                    }
                } else {
                    arr = Nd4j.createUninitialized(DataType.FLOAT, t.shape(), 'c');
                    tensors.readFloats(name, floatView(arr));
                    floats.put(name, arr);
                }
                out.put(name, arr);
            }
            FiniteWeights.require(dir, floats);
            return new ModelWeights(tensors.config(), out);
        }
    }

    /** A float buffer over the off-heap memory of a c-ordered float array. */
    static FloatBuffer floatView(INDArray arr) {
        return arr.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static Map<String, Path> locateTensors(Path dir, String weightsFile) {
        Path index = dir.resolve(INDEX);
        Path single = dir.resolve(weightsFile);
        Map<String, Path> loc = new HashMap<>();
        if (Files.isRegularFile(single) && !weightsFile.endsWith(".json")) {
            try (SafetensorsFile f = SafetensorsFile.open(single)) {
                f.tensors().keySet().forEach(n -> loc.put(n, single));
            }
            return loc;
        }
        Path idx = weightsFile.endsWith(".json") ? single : index;
        if (!Files.isRegularFile(idx)) {
            throw new CheckpointException(dir + ": neither " + weightsFile + " nor " + INDEX + " found");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(idx));
        } catch (IOException e) {
            throw new CheckpointException(idx + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(idx + ": no weight_map object");
        }
        map.fields().forEachRemaining(e -> {
            Path shard = dir.resolve(e.getValue().asText()).normalize();
            if (!shard.startsWith(dir.normalize()) || !Files.isRegularFile(shard)) {
                throw new CheckpointException(idx + ": tensor '" + e.getKey() + "' maps to missing shard '"
                        + e.getValue().asText() + "'");
            }
            loc.put(e.getKey(), shard);
        });
        return loc;
    }

    /** The safetensors files that hold the model's weights (one file, or the shards of the index). */
    public static List<Path> weightFiles(Path dir) {
        return new ArrayList<>(new java.util.TreeSet<>(locateTensors(dir, WEIGHTS).values()));
    }

    /** Saves weights as a Hugging Face directory in float32. */
    public static void save(Path dir, ModelWeights weights) {
        save(dir, weights, DType.F32, Map.of());
    }

    /**
     * Saves {@code config.json} and {@code model.safetensors} (metadata {@code {"format":"pt"}}) in a staging
     * directory beside {@code dir}, then swaps it into place: a crash leaves the old directory or the new one,
     * never a mix. {@code extraFiles} (name to text) are written alongside (a tokenizer, a trainer config).
     */
    public static void save(Path dir, ModelWeights weights, DType dtype, Map<String, String> extraFiles) {
        Path abs = dir.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            Path staged = Files.createTempDirectory(abs.getParent(), abs.getFileName() + ".staging-");
            writeInto(staged, weights, dtype, extraFiles);
            AtomicFiles.replaceDirectory(staged, abs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint to " + dir, e);
        }
    }

    /** Writes the checkpoint files into an existing directory (each file atomically). */
    public static void writeInto(Path dir, ModelWeights weights, DType dtype, Map<String, String> extraFiles) {
        AtomicFiles.writeString(dir.resolve(CONFIG), weights.config().toJsonString());
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        weights.tensors().forEach((name, arr) -> {
            INDArray c = arr.isView() || arr.ordering() != 'c' ? arr.dup('c') : arr;
            entries.add(new SafetensorsWriter.Entry(name, dtype, c.shape(), floatView(c)));
        });
        SafetensorsWriter.write(dir.resolve(WEIGHTS), entries, Map.of("format", "pt"));
        extraFiles.forEach((name, text) -> AtomicFiles.writeString(dir.resolve(name), text));
    }
}
