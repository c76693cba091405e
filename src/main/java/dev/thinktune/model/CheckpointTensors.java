package dev.thinktune.model;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The parameter tensors of a Hugging Face model directory, opened for reading in whatever dtype they are stored
 * (one {@code model.safetensors} or the shards of {@code model.safetensors.index.json}). Opening checks every
 * tensor the config describes (present, shape, a floating dtype) and refuses tensors it does not describe, so a
 * bad directory fails before anything is read. Data is read on demand with positional reads (from several
 * threads at once if wanted): nothing is mapped and nothing is decoded that the caller does not ask for.
 */
public final class CheckpointTensors implements AutoCloseable {
    /** Buffers that old checkpoints carry and the model recomputes. */
    private static final Pattern IGNORED = Pattern.compile(".*rotary_emb\\.inv_freq$");

    private final Path dir;
    private final LlamaConfig config;
    private final Map<String, SafetensorsFile> fileOf;
    private final List<SafetensorsFile> files;

    private CheckpointTensors(Path dir, LlamaConfig config, Map<String, SafetensorsFile> fileOf,
                              List<SafetensorsFile> files) {
        this.dir = dir;
        this.config = config;
        this.fileOf = fileOf;
        this.files = files;
    }

    /** Opens the weights of {@code dir} from {@code weightsFile} (a file name in it, or the index when sharded). */
    public static CheckpointTensors open(Path dir, String weightsFile) {
        LlamaConfig config = HfCheckpoint.readConfig(dir);
        Map<String, Path> locations = HfCheckpoint.locateTensors(dir, weightsFile);
        Map<String, long[]> expected = config.parameterShapes();
        Set<String> unexpected = new TreeSet<>(locations.keySet());
        unexpected.removeAll(expected.keySet());
        unexpected.removeIf(n -> IGNORED.matcher(n).matches()
                || (config.tieWordEmbeddings() && n.equals("lm_head.weight")));
        if (!unexpected.isEmpty()) {
            throw new CheckpointException(dir + ": tensors the config does not describe: " + unexpected);
        }
        Map<Path, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String name = e.getKey();
                Path file = locations.get(name);
                if (file == null) {
                    throw new CheckpointException(dir + ": missing tensor '" + name + "'");
                }
                SafetensorsFile f = opened.computeIfAbsent(file, SafetensorsFile::open);
                TensorInfo info = f.info(name);
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new CheckpointException(file + ": tensor '" + name + "' has shape "
                            + Arrays.toString(info.shape()) + " but config.json implies "
                            + Arrays.toString(e.getValue()));
                }
                if (!info.dtype().isFloating()) {
                    throw new CheckpointException(file + ": tensor '" + name + "' has dtype " + info.dtype()
                            + ", expected F32, BF16 or F16");
                }
                fileOf.put(name, f);
            }
        } catch (RuntimeException e) {
            opened.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new CheckpointTensors(dir, config, Collections.unmodifiableMap(fileOf),
                List.copyOf(new ArrayList<>(opened.values())));
    }

    /** Opens {@code dir}'s {@code model.safetensors}, or its index when sharded. */
    public static CheckpointTensors open(Path dir) {
        return open(dir, HfCheckpoint.WEIGHTS);
    }

    public Path dir() {
        return dir;
    }

    public LlamaConfig config() {
        return config;
    }

    /** The parameter names in checkpoint order (those of {@link LlamaConfig#parameterShapes()}). */
    public Set<String> names() {
        return fileOf.keySet();
    }

    /** Dtype, shape and place of a parameter tensor. */
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /** Reads {@code dst.remaining()} raw bytes of {@code name} from {@code byteOffset} into its data. */
    public void read(String name, long byteOffset, ByteBuffer dst) {
        file(name).read(name, byteOffset, dst);
    }

    /** Decodes the whole tensor into {@code dst} as float32 (see {@link SafetensorsFile#readFloats}). */
    public void readFloats(String name, FloatBuffer dst) {
        file(name).readFloats(name, dst);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new CheckpointException(dir + ": no parameter tensor '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
