package dev.thinktune.model.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.function.Consumer;

/**
 * Frozen weights kept in bfloat16 (a model trained through adapters) are widened to float32 where a product
 * needs them, one matrix (or one block of rows) at a time, into one scratch buffer that every op shares: the
 * graph's ops run one after another, so the buffer never holds more than the largest matrix or block. Widening is
 * exact, so the products equal those on float32 weights.
 */
final class Widened {
    private static final Object LOCK = new Object();
    private static INDArray buffer = Nd4j.createUninitialized(DataType.FLOAT, 0);

    private Widened() {
    }

    /** Runs {@code use} on {@code w} as float32: {@code w} itself when it is float32, else its widened copy. */
    static void with(INDArray w, Consumer<INDArray> use) {
        if (w.dataType() == DataType.FLOAT) {
            use.accept(w);
            return;
        }
        synchronized (LOCK) {
            long n = w.length();
            if (buffer.length() < n) {
                buffer.close();
                buffer = Nd4j.createUninitialized(DataType.FLOAT, n);
            }
            INDArray f = (buffer.length() == n ? buffer : buffer.get(NDArrayIndex.interval(0, n))).reshape('c', w.shape());
            f.assign(w);
            use.accept(f);
        }
    }
}
