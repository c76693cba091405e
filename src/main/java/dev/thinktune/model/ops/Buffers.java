package dev.thinktune.model.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Raw views of ND4J arrays for the ops' Java loops. */
final class Buffers {
    private Buffers() {
    }

    /** The elements of a dense c-ordered float array, in its own memory (writes go to the array). */
    static FloatBuffer floats(INDArray a) {
        if (a.ordering() != 'c' || a.isView() || a.elementWiseStride() != 1) {
            throw new IllegalStateException("expected a dense c-ordered array, got " + a.shapeInfoToString());
        }
        return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** A float32 array's elements to read, in place when it is dense (else a dense float32 copy's). */
    static FloatBuffer input(INDArray a) {
        return floats(JavaOp.dense(a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT)));
    }
}
