package dev.thinktune.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Raw float32 views of parameter, gradient and moment arrays for the optimizer's Vector API loops, which work on
 * fixed chunks of {@link #CHUNK} elements copied into per-thread scratch.
 */
final class FloatViews {
    /** Elements per chunk. */
    static final int CHUNK = 1 << 14;
    private FloatViews() {
    }

    /** Whether {@code a}'s float32 elements lie in order from the start of its buffer. */
    static boolean dense(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0 && a.elementWiseStride() == 1;
    }

    /** The elements of a {@link #dense} array, in its own memory (writes go to the array). */
    static FloatBuffer floats(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The number of chunks over {@code n} elements. */
    static int chunkCount(int n) {
        return (n + CHUNK - 1) / CHUNK;
    }

    /** The chunks' indices, in parallel when there are several. */
    static IntStream chunks(int count) {
        IntStream range = IntStream.range(0, count);
        return count > 1 ? range.parallel() : range;
    }
}
