package dev.thinktune.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.CheckpointShards;
import dev.thinktune.model.CheckpointTensors;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.SafetensorsWriter;
import dev.thinktune.model.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Merges adapters into their base model: a full Hugging Face checkpoint whose adapted projections are
 * {@code W + scale * B A}, computed in float32 from the base's stored values and rounded once to the output
 * dtype (by default the base's own), every other tensor as the base has it. The weights are sharded as
 * transformers shards them ({@link CheckpointShards}); {@code config.json} (its {@code torch_dtype} set to the
 * output dtype) and the tokenizer files are copied from the base. Tensors are streamed a block of rows at a time,
 * so merging needs memory for the adapters only, and the directory appears atomically (written in a staging
 * directory beside it, then renamed).
 */
public final class AdapterMerge {
    /** Files copied from the base beside its config: the tokenizer, generation defaults, how it was trained. */
    static final List<String> COPIED = List.of("tokenizer.json", "tokenizer_config.json", "tokenizer.model",
            "special_tokens_map.json", "generation_config.json", "chat_template.jinja", "pretrain.yaml",
            "train_config.yaml");
    /** Bytes of base rows read at once. */
    private static final int BLOCK_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterMerge() {
    }

    /** What was written: the directory, its weight files, their tensor bytes, the modules merged and the time. */
    public record Result(Path dir, DType dtype, List<Path> weightFiles, long tensorBytes, int mergedModules,
                         double seconds) {
    }

    /**
     * Writes {@code base} (a model directory) with {@code adapters} (of the same architecture) merged into
     * {@code out}, replacing it; tensors in {@code dtype}, or in the base's stored dtype when null (float32 when
     * its tensors differ in dtype); weight files of at most {@code maxShardBytes}.
     */
    public static Result merge(Path base, LoraAdapters adapters, Path out, DType dtype, long maxShardBytes,
                               Consumer<String> progress) {
        long t0 = System.nanoTime();
        Path abs = out.toAbsolutePath().normalize();
        try (CheckpointTensors tensors = CheckpointTensors.open(base)) {
            LlamaConfig config = tensors.config();
            if (!adapters.modelConfig().equals(config)) {
                throw new CheckpointException("the adapters are for another architecture than " + base);
            }
            DType stored = storedDtype(tensors);
            DType target = dtype != null ? dtype : stored;
            Path staged = null;
            try {
                Files.createDirectories(abs.getParent());
                staged = Files.createTempDirectory(abs.getParent(), abs.getFileName() + ".staging-");
                Path dir = staged;
                AtomicFiles.writeString(dir.resolve(HfCheckpoint.CONFIG), configJson(base, target));
                for (String name : COPIED) {
                    if (Files.isRegularFile(base.resolve(name))) {
                        Files.copy(base.resolve(name), dir.resolve(name));
                    }
                }
                CheckpointShards.Written written = CheckpointShards.write(dir, config, target, maxShardBytes,
                        name -> () -> new MergedRows(tensors, name, adapters), progress);
                AtomicFiles.replaceDirectory(staged, abs);
                staged = null;
                List<Path> files = written.files().stream().map(f -> abs.resolve(f.getFileName())).toList();
                return new Result(abs, target, files, written.tensorBytes(),
                        LoraAdapters.modules(adapters.config(), config).size(), (System.nanoTime() - t0) / 1e9);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the merged model to " + out + ": " + e.getMessage(), e);
            } finally {
                if (staged != null) {
                    try {
                        AtomicFiles.deleteRecursively(staged);
                    } catch (IOException ignored) {
                        // a staging directory left behind; the target is untouched
                    }
                }
            }
        }
    }

    /** The dtype all of the base's tensors are stored in (bfloat16, half), else float32. */
    static DType storedDtype(CheckpointTensors tensors) {
        DType first = null;
        for (String name : tensors.names()) {
            DType d = tensors.info(name).dtype();
            if (first == null) {
                first = d;
            } else if (d != first) {
                return DType.F32;
            }
        }
        return first == DType.BF16 || first == DType.F16 ? first : DType.F32;
    }

    /** The base's {@code config.json} with {@code torch_dtype} naming the merged tensors' dtype. */
    private static String configJson(Path base, DType dtype) throws IOException {
        JsonNode n = JSON.readTree(Files.readString(base.resolve(HfCheckpoint.CONFIG)));
        if (!(n instanceof ObjectNode o)) {
            throw new CheckpointException(base.resolve(HfCheckpoint.CONFIG) + ": must be a JSON object");
        }
        o.put("torch_dtype", switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        });
        return JSON.writeValueAsString(o) + "\n";
    }

    /**
     * The values of one tensor of the merged model, row after row: the base's rows read a block at a time and
     * widened to float32, plus {@code scale * B[row] A} when the tensor is an adapted projection.
     */
    private static final class MergedRows implements SafetensorsWriter.Values {
        private final CheckpointTensors tensors;
        private final TensorInfo info;
        private final int cols;
        private final int rows;
        private final int blockRows;
        private final float[][] a;
        private final float[][] b;
        private final float scale;
        private final float[] block;
        private final float[] delta;
        private final ByteBuffer bytes;
        private int nextRow;
        private int pos;
        private int filled;

        MergedRows(CheckpointTensors tensors, String name, LoraAdapters adapters) {
            this.tensors = tensors;
            this.info = tensors.info(name);
            long[] shape = info.shape();
            this.cols = Math.toIntExact(shape[shape.length - 1]);
            this.rows = Math.toIntExact(shape.length == 1 ? 1 : shape[0]);
            this.blockRows = Math.max(1, Math.min(rows, BLOCK_BYTES / (4 * cols)));
            String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
            boolean adapted = shape.length == 2 && adapters.has(module);
            this.a = adapted ? adapters.a(module).toFloatMatrix() : null;
            this.b = adapted ? adapters.b(module).toFloatMatrix() : null;
            this.scale = (float) adapters.config().scale();
            this.block = new float[blockRows * cols];
            this.delta = adapted ? new float[cols] : null;
            this.bytes = ByteBuffer.allocate(blockRows * cols * info.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public void next(float[] chunk, int n) {
            int done = 0;
            while (done < n) {
                if (pos == filled) {
                    readBlock();
                }
                int take = Math.min(n - done, filled - pos);
                System.arraycopy(block, pos, chunk, done, take);
                pos += take;
                done += take;
            }
        }

        private void readBlock() {
            int count = Math.min(blockRows, rows - nextRow);
            if (count <= 0) {
                throw new IllegalStateException("'" + info.name() + "': read past its " + rows + " rows");
            }
            int size = info.dtype().bytes();
            bytes.clear().limit(count * cols * size);
            tensors.read(info.name(), (long) nextRow * cols * size, bytes);
            bytes.flip();
            SafetensorsFile.decode(info.dtype(), bytes, block, 0, count * cols);
            if (a != null) {
                for (int r = 0; r < count; r++) {
                    addDelta(nextRow + r, r * cols);
                }
            }
            nextRow += count;
            pos = 0;
            filled = count * cols;
        }

        /** {@code block[off..off+cols) += scale * B[row] A}, in float32, summed over the rank in order. */
        private void addDelta(int row, int off) {
            java.util.Arrays.fill(delta, 0f);
            float[] br = b[row];
            for (int k = 0; k < br.length; k++) {
                float bk = br[k];
                float[] ak = a[k];
                for (int c = 0; c < cols; c++) {
                    delta[c] = Math.fma(bk, ak[c], delta[c]);
                }
            }
            for (int c = 0; c < cols; c++) {
                block[off + c] = Math.fma(scale, delta[c], block[off + c]);
            }
        }
    }

    /** One line on what a merge wrote. */
    public static String describe(Result r) {
        return String.format(Locale.ROOT, "wrote %s: %d adapted modules merged, %s, %d weight file(s), %.2f GB"
                        + " of tensors in %.1f s", r.dir(), r.mergedModules(), r.dtype(), r.weightFiles().size(),
                r.tensorBytes() / 1e9, r.seconds());
    }
}
