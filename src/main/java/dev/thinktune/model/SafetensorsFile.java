package dev.thinktune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file opened for reading: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and data offsets, then the data. The header is validated on open (lengths, offsets,
 * dtypes, shapes, overlaps), so a bad file fails before any tensor is used, with a message naming the tensor.
 * Tensor data is read through memory mappings, never through an extra copy on the Java heap.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(path + ": truncated file (" + size + " bytes, no header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new CheckpointException(path + ": bad header length " + headerLen + " (file has " + size
                        + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            String header = new String(hb.array(), StandardCharsets.UTF_8);
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (IOException e) {
                throw new CheckpointException(path + ": header is not valid JSON: " + e.getMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new CheckpointException(path + ": header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataLen));
            }
            checkOverlaps(path, tensors);
            return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataLen) {
        String where = path + ": tensor '" + name + "'";
        if (!node.isObject() || !node.has("dtype") || !node.has("shape") || !node.has("data_offsets")) {
            throw new CheckpointException(where + ": entry needs dtype, shape and data_offsets");
        }
        DType dtype;
        try {
            dtype = DType.parse(node.get("dtype").asText(), name);
        } catch (CheckpointException e) {
            throw new CheckpointException(path + ": " + e.getMessage());
        }
        JsonNode shapeNode = node.get("shape");
        JsonNode offs = node.get("data_offsets");
        if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw new CheckpointException(where + ": shape must be an array and data_offsets a pair");
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw new CheckpointException(where + ": bad dimension " + d + " in shape");
            }
            shape[i] = d.asLong();
            numel = Math.multiplyExact(numel, shape[i]);
        }
        long begin = offs.get(0).asLong(-1);
        long end = offs.get(1).asLong(-1);
        if (begin < 0 || end < begin) {
            throw new CheckpointException(where + ": bad data_offsets [" + offs.get(0) + ", " + offs.get(1) + "]");
        }
        if (end > dataLen) {
            throw new CheckpointException(where + ": data offset " + end + " out of range (data section has "
                    + dataLen + " bytes; file truncated?)");
        }
        long expected = Math.multiplyExact(numel, (long) dtype.bytes());
        if (end - begin != expected) {
            throw new CheckpointException(where + ": holds " + (end - begin) + " bytes but " + dtype + " "
                    + java.util.Arrays.toString(shape) + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkOverlaps(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end() && b.byteSize() > 0 && a.byteSize() > 0) {
                throw new CheckpointException(path + ": tensors '" + a.name() + "' and '" + b.name()
                        + "' overlap");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(path + ": missing tensor '" + name + "'");
        }
        return t;
    }

    /** A read-only little-endian mapping of one tensor's bytes. */
    public ByteBuffer map(String name) {
        TensorInfo t = info(name);
        try {
            if (t.byteSize() == 0) {
                return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(path + ": tensor '" + name + "': cannot map: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes of tensor {@code name}'s data, starting {@code byteOffset} bytes into
     * it, with positional reads (safe from several threads at once). Nothing is mapped, so the bytes count in
     * this process's resident memory only where {@code dst} lives.
     */
    public void read(String name, long byteOffset, ByteBuffer dst) {
        TensorInfo t = info(name);
        if (byteOffset < 0 || byteOffset + dst.remaining() > t.byteSize()) {
            throw new CheckpointException(path + ": tensor '" + name + "': bytes [" + byteOffset + ", "
                    + (byteOffset + dst.remaining()) + ") outside its " + t.byteSize());
        }
        try {
            readFully(channel, dst, dataStart + t.begin() + byteOffset);
        } catch (IOException e) {
            throw new CheckpointException(path + ": tensor '" + name + "': cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes a floating tensor into {@code dst} (float32, its remaining capacity must equal the element count):
     * dst may be the off-heap buffer of an array. The data is read in chunks of {@value #CHUNK_BYTES} bytes
     * through one small buffer, never as a whole on the Java heap and never mapped.
     */
    public void readFloats(String name, FloatBuffer dst) {
        TensorInfo t = info(name);
        if (dst.remaining() != t.numel()) {
            throw new CheckpointException(path + ": tensor '" + name + "': destination holds " + dst.remaining()
                    + " floats, tensor has " + t.numel());
        }
        if (!t.dtype().isFloating()) {
            throw new CheckpointException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", expected a floating type");
        }
        int size = t.dtype().bytes();
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(t.byteSize(), CHUNK_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[chunk.capacity() / size];
        for (long at = 0; at < t.byteSize(); ) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), t.byteSize() - at));
            read(name, at, chunk);
            chunk.flip();
            int n = chunk.remaining() / size;
            decode(t.dtype(), chunk, values, 0, n);
            dst.put(values, 0, n);
            at += (long) n * size;
        }
    }

    /** Bytes read at a time by {@link #readFloats}. */
    static final int CHUNK_BYTES = 1 << 20;

    /**
     * Decodes {@code n} little-endian values of a floating {@code dtype} from {@code src}'s position into
     * {@code dst[off..off+n)} (bfloat16 and half widened exactly, float64 rounded).
     */
    public static void decode(DType dtype, ByteBuffer src, float[] dst, int off, int n) {
        ByteBuffer le = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> le.asFloatBuffer().get(dst, off, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = DType.bf16ToFloat(le.getShort());
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = DType.f16ToFloat(le.getShort());
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = (float) le.getDouble();
                }
            }
            default -> throw new CheckpointException("dtype " + dtype + " is not a floating type");
        }
    }

    /** A floating tensor as a float array (small tensors and tests). */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        float[] out = new float[Math.toIntExact(t.numel())];
        readFloats(name, FloatBuffer.wrap(out));
        return out;
    }

    /** An integer tensor (I32, I64, I16, I8, U8, BOOL) as an int array. */
    public int[] ints(String name) {
        TensorInfo t = info(name);
        int n = Math.toIntExact(t.numel());
        ByteBuffer src = map(name);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.dtype()) {
                case I32 -> src.getInt();
                case I64 -> Math.toIntExact(src.getLong());
                case I16 -> src.getShort();
                case I8 -> src.get();
                case U8, BOOL -> src.get() & 0xff;
                default -> throw new CheckpointException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                        + ", expected an integer type");
            };
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
