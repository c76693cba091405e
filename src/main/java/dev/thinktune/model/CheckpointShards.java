package dev.thinktune.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A model's weight files as transformers' {@code save_pretrained} lays them out: one {@code model.safetensors},
 * or, when the tensors exceed the largest shard, {@code model-00001-of-0000N.safetensors} ... with
 * {@code model.safetensors.index.json} ({@code metadata.total_size} and a {@code weight_map} from tensor to
 * file). Tensors go in model order, a new shard when the next tensor would overflow the current one. Each tensor
 * is streamed from its values as it is written, never held whole.
 */
public final class CheckpointShards {
    /** transformers' default {@code max_shard_size} ("5GB"). */
    public static final long HUB_SHARD_BYTES = 5_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CheckpointShards() {
    }

    /** What was written: the weight files and their tensor bytes. */
    public record Written(List<Path> files, long tensorBytes) {
    }

    /** The tensors of each shard in model order, at most {@code maxShardBytes} each (or one tensor alone). */
    public static List<List<String>> plan(LlamaConfig config, DType dtype, long maxShardBytes) {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("max shard size must be >= 1 byte, got " + maxShardBytes);
        }
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long size = 0;
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            long bytes = dtype.bytes();
            for (long d : e.getValue()) {
                bytes *= d;
            }
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(e.getKey());
            size += bytes;
        }
        shards.add(current);
        return shards;
    }

    /**
     * Writes every parameter of {@code config} into {@code dir} (an existing, usually staging, directory) in
     * {@code dtype}, the values of tensor {@code name} from {@code values.apply(name)}, reporting each file to
     * {@code progress}.
     */
    public static Written write(Path dir, LlamaConfig config, DType dtype, long maxShardBytes,
                                Function<String, Supplier<SafetensorsWriter.Values>> values,
                                Consumer<String> progress) {
        long t0 = System.nanoTime();
        List<List<String>> shards = plan(config, dtype, maxShardBytes);
        List<Path> files = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String file = shards.size() == 1 ? HfCheckpoint.WEIGHTS
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            long bytes = 0;
            for (String name : shards.get(i)) {
                SafetensorsWriter.Entry e = new SafetensorsWriter.Entry(name, dtype,
                        config.parameterShapes().get(name), values.apply(name));
                entries.add(e);
                bytes += e.byteSize();
                weightMap.put(name, file);
            }
            SafetensorsWriter.write(dir.resolve(file), entries, Map.of("format", "pt"));
            files.add(dir.resolve(file));
            total += bytes;
            progress.accept(String.format(java.util.Locale.ROOT, "%s: %d tensors, %.1f MB (%.0f s)", file,
                    entries.size(), bytes / 1e6, (System.nanoTime() - t0) / 1e9));
        }
        if (shards.size() > 1) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            try {
                AtomicFiles.writeString(dir.resolve(HfCheckpoint.INDEX), JSON.writeValueAsString(index) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Written(List.copyOf(files), total);
    }
}
