package dev.thinktune.model.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Row-wise work of the element-wise Java ops (RMSNorm, SwiGLU, rotary embedding): fixed blocks of rows, in
 * parallel on the common fork-join pool, each copied from the arrays' memory into per-thread scratch, computed on
 * the Vector API and copied back. Blocks are fixed by the row count alone, so a result (a reduction over rows
 * included, summed block by block in order) does not depend on how the blocks were scheduled.
 */
final class RowBlocks {
    /** Rows per block. */
    static final int ROWS = 16;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);

    private RowBlocks() {
    }

    /** What a block does with rows {@code [first, first + count)}; {@code block} is its index. */
    interface Body {
        void run(int block, int first, int count);
    }

    /** The number of blocks over {@code rows} rows. */
    static int blocks(long rows) {
        return Math.toIntExact((rows + ROWS - 1) / ROWS);
    }

    /** Runs {@code body} on every block of {@code rows} rows, in parallel when there are several. */
    static void forEach(long rows, Body body) {
        int blocks = blocks(rows);
        IntStream range = IntStream.range(0, blocks);
        (blocks > 1 ? range.parallel() : range).forEach(b -> {
            int first = b * ROWS;
            body.run(b, first, (int) Math.min(ROWS, rows - first));
        });
    }

    /** This thread's scratch array number {@code slot} (0-3), at least {@code n} long. */
    static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < n) {
            s[slot] = new float[n];
        }
        return s[slot];
    }

    /** {@code n} elements of {@code src} from element {@code from}, into this thread's scratch {@code slot}. */
    static float[] read(FloatBuffer src, int from, int n, int slot) {
        float[] a = scratch(slot, n);
        src.get(from, a, 0, n);
        return a;
    }

    /** The elements of a float32 array, widened from another floating type when it is not one (small arrays). */
    static float[] floatsOf(INDArray a) {
        return (a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT)).data().asFloat();
    }
}
