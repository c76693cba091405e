package dev.thinktune.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file as the Python library does: tensors in name order, header padded with spaces to a
 * multiple of 8 bytes, metadata first. Float32 values are converted to the requested dtype while streaming in
 * chunks, so no full copy of a tensor is made on the Java heap (and a tensor may be generated as it is written). The file appears atomically (temporary name,
 * fsync, rename).
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_FLOATS = 1 << 18;

    /** Values of a tensor in row-major order, handed out front to back in chunks. */
    @FunctionalInterface
    public interface Values {
        /** Writes the next {@code n} values into {@code chunk[0..n)}. */
        void next(float[] chunk, int n);
    }

    /**
     * One tensor to write: {@code values} opens a fresh pass over its float32 values, each written in
     * {@code dtype}, so a tensor may be computed while it is written and never held whole.
     */
    public record Entry(String name, DType dtype, long[] shape, java.util.function.Supplier<Values> values) {
        public Entry {
            if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
                throw new IllegalArgumentException("can write F32, BF16 or F16, not " + dtype);
            }
        }

        /** A tensor whose values are those of {@code data} (from its position to its limit). */
        public Entry(String name, DType dtype, long[] shape, FloatBuffer data) {
            this(name, dtype, shape, checked(name, shape, data));
        }

        private static java.util.function.Supplier<Values> checked(String name, long[] shape, FloatBuffer data) {
            if (numel(shape) != data.remaining()) {
                throw new IllegalArgumentException("tensor '" + name + "': shape needs " + numel(shape)
                        + " values, data has " + data.remaining());
            }
            return () -> {
                FloatBuffer src = data.duplicate();
                return (chunk, n) -> src.get(chunk, 0, n);
            };
        }

        /** Number of values. */
        public long count() {
            return numel(shape);
        }

        /** Bytes of data in the file. */
        public long byteSize() {
            return count() * dtype.bytes();
        }

        private static long numel(long[] shape) {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private SafetensorsWriter() {
    }

    public static void write(Path target, List<Entry> entries, Map<String, String> metadata) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::name));
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : sorted) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long bytes = e.byteSize();
            ArrayNode offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CheckpointException("cannot encode safetensors header: " + e.getMessage(), e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : sorted) {
                writeTensor(ch, e, chunk);
            }
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException(target + ": cannot write: " + e.getMessage(), e);
        }
        AtomicFiles.moveReplacing(tmp, target);
    }

    private static void writeTensor(FileChannel ch, Entry e, ByteBuffer chunk) throws IOException {
        Values src = e.values().get();
        float[] values = new float[CHUNK_FLOATS];
        for (long left = e.count(); left > 0; ) {
            chunk.clear();
            int n = (int) Math.min(left, CHUNK_FLOATS);
            src.next(values, n);
            switch (e.dtype()) {
                case F32 -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putFloat(values[i]);
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putShort(DType.floatToBf16(values[i]));
                    }
                }
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putShort(DType.floatToF16(values[i]));
                    }
                }
                default -> throw new IllegalStateException(e.dtype().name());
            }
            chunk.flip();
            writeFully(ch, chunk);
            left -= n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
