package dev.thinktune.rollout;

import dev.thinktune.model.CheckpointTensors;
import dev.thinktune.model.DType;
import dev.thinktune.model.FiniteWeights;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.TensorInfo;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The tensors {@link DecoderWeights#load} reads, by Hugging Face name, a run of rows at a time (a row is the
 * last dimension; a vector is one row). Two kinds: the trainer's float32 arrays, and a checkpoint directory read
 * in its stored dtype.
 */
interface WeightSource {
    LlamaConfig config();

    /** Whether {@code tensor} is stored as bfloat16, so {@link #bf16} can hand out its bits unchanged. */
    boolean isBf16(String tensor);

    /** Rows {@code [row, row+count)} of {@code tensor} as floats into {@code dst[off..)}, row after row. */
    void floats(String tensor, int row, int count, float[] dst, int off);

    /** Rows {@code [row, row+count)} of a bfloat16 {@code tensor}, as bits, into {@code dst[off..)}. */
    void bf16(String tensor, int row, int count, short[] dst, int off);

    /** The float32 arrays of {@code w}, read from their off-heap buffers with no intermediate copy. */
    static WeightSource of(ModelWeights w) {
        return of(w.config(), w::get);
    }

    /**
     * Float32 arrays by name ({@code arrays} fails on a name it does not have), read from their off-heap buffers
     * with no intermediate copy: a model's weights, or adapters of it ({@code config}).
     */
    static WeightSource of(LlamaConfig config, java.util.function.Function<String, INDArray> arrays) {
        return new WeightSource() {
            @Override
            public LlamaConfig config() {
                return config;
            }

            @Override
            public boolean isBf16(String tensor) {
                return false;
            }

            @Override
            public void floats(String tensor, int row, int count, float[] dst, int off) {
                INDArray a = arrays.apply(tensor);
                int cols = (int) a.size(a.rank() - 1);
                view(tensor, a).get(Math.toIntExact(a.offset() + (long) row * cols), dst, off, count * cols);
            }

            @Override
            public void bf16(String tensor, int row, int count, short[] dst, int off) {
                throw new IllegalStateException("'" + tensor + "' is float32");
            }
        };
    }

    /**
     * The tensors of an open checkpoint directory, read with positional reads into a small per-thread buffer:
     * nothing mapped (mapped pages would count in resident memory), bfloat16 kept as bits.
     */
    static WeightSource checkpoint(CheckpointTensors tensors) {
        ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(0));
        return new WeightSource() {
            @Override
            public LlamaConfig config() {
                return tensors.config();
            }

            @Override
            public boolean isBf16(String tensor) {
                return tensors.info(tensor).dtype() == DType.BF16;
            }

            /** Reads the rows' bytes; returns the buffer, positioned at them. */
            private ByteBuffer rows(TensorInfo t, int row, int count) {
                long cols = t.shape()[t.shape().length - 1];
                int size = t.dtype().bytes();
                int bytes = Math.toIntExact(count * cols * size);
                ByteBuffer b = buffers.get();
                if (b.capacity() < bytes) {
                    b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
                    buffers.set(b);
                }
                b.clear().limit(bytes);
                tensors.read(t.name(), row * cols * size, b);
                return b.flip();
            }

            @Override
            public void floats(String tensor, int row, int count, float[] dst, int off) {
                TensorInfo t = tensors.info(tensor);
                ByteBuffer b = rows(t, row, count);
                int n = b.remaining() / t.dtype().bytes();
                SafetensorsFile.decode(t.dtype(), b, dst, off, n);
                FiniteWeights.requireFloats(tensors.dir(), tensor, t.shape(), start(t, row), dst, off, n);
            }

            /** The flat index of {@code row}'s first value. */
            private long start(TensorInfo t, int row) {
                return (long) row * t.shape()[t.shape().length - 1];
            }

            @Override
            public void bf16(String tensor, int row, int count, short[] dst, int off) {
                TensorInfo t = tensors.info(tensor);
                if (t.dtype() != DType.BF16) {
                    throw new IllegalStateException("'" + tensor + "' is " + t.dtype() + ", not BF16");
                }
                ByteBuffer b = rows(t, row, count);
                int n = b.remaining() / 2;
                b.asShortBuffer().get(dst, off, n);
                FiniteWeights.requireBf16(tensors.dir(), tensor, t.shape(), start(t, row), dst, off, n);
            }
        };
    }

    /** The float buffer under {@code a} (no copy); {@code a} must be float32, c-ordered and contiguous. */
    private static FloatBuffer view(String tensor, INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || !Shape.hasDefaultStridesForShape(a)) {
            throw new IllegalArgumentException("'" + tensor + "' must be a float32 c-ordered contiguous array, got "
                    + a.dataType() + " " + a.ordering() + " " + a.shapeInfoToString());
        }
        return a.data().asNioFloat();
    }
}
