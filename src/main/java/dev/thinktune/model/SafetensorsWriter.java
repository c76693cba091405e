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
 * multiple of 8 bytes, metadata first. Float32 data is converted to the requested dtype while streaming in
 * chunks, so no full copy of a tensor is made on the Java heap. The file appears atomically (temporary name,
 * fsync, rename).
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_FLOATS = 1 << 18;

    /** One tensor to write: float32 values in {@code data} (read from its position to its limit). */
    public record Entry(String name, DType dtype, long[] shape, FloatBuffer data) {
        public Entry {
            if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
                throw new IllegalArgumentException("can write F32, BF16 or F16, not " + dtype);
            }
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != data.remaining()) {
                throw new IllegalArgumentException("tensor '" + name + "': shape needs " + n + " values, data has "
                        + data.remaining());
            }
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
            long bytes = (long) e.data().remaining() * e.dtype().bytes();
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
        FloatBuffer src = e.data().duplicate();
        while (src.hasRemaining()) {
            chunk.clear();
            int n = Math.min(src.remaining(), CHUNK_FLOATS);
            switch (e.dtype()) {
                case F32 -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putFloat(src.get());
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putShort(DType.floatToBf16(src.get()));
                    }
                }
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putShort(DType.floatToF16(src.get()));
                    }
                }
                default -> throw new IllegalStateException(e.dtype().name());
            }
            chunk.flip();
            writeFully(ch, chunk);
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
