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
        if (!JavaOp.isDense(a)) {
            throw new IllegalStateException("expected a dense c-ordered array, got " + a.shapeInfoToString());
        }
        return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * A float32 array's elements to read: in place when it is dense, else a copy on the Java heap. (A copy in
     * native memory would be referred to by the returned buffer alone, which does not keep it alive: the
     * collector could free it while an op still reads it.)
     */
    static FloatBuffer input(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (JavaOp.isDense(f)) {
            return floats(f);
        }
        return FloatBuffer.wrap(f.dup('c').data().asFloat());
    }
}
