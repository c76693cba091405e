package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix {@code W [out, in]} (the Hugging Face layout) repacked for {@code y = x · Wᵀ} on the CPU: the
 * output columns are cut into panels of {@link #NR} (three vectors of the preferred species, 48 floats with
 * AVX-512), and each panel is stored input by input, so the product streams it front to back once per tile of
 * rows. Rows of {@code W} beyond {@code out} in the last panel are zero. Two element types, one layout of
 * panels, so the decoder handles either the same way:
 * <ul>
 *   <li>{@link F32Matrix}: float32 weights (the trainer's, decoded exactly as the graph computes);</li>
 *   <li>{@link Bf16Matrix}: bfloat16 weights as checkpoints store them, widened to float in registers, half
 *       the bytes per decode step.</li>
 * </ul>
 *
 * <p>The kernel is a register-blocked outer product: for each input index {@code i} it loads the panel's
 * {@code NR} weights (three float vectors) once and multiplies them into 8 rows of activations (each a
 * broadcast scalar), keeping 8 × 3 vector accumulators in registers. Every output element is one fused
 * multiply-add chain over {@code i} in order, whatever the tile it falls in and whatever the element type, so a
 * row's result never depends on which other rows share the batch (the engine's seeds rely on this), and a
 * bfloat16 matrix gives exactly the float32 result on its widened values.
 */
abstract sealed class PackedMatrix permits F32Matrix, Bf16Matrix {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Panel width: three vectors. */
    static final int NR = 3 * L;

    final int out;
    final int in;
    final int panels;

    PackedMatrix(int out, int in) {
        this.out = out;
        this.in = in;
        this.panels = (out + NR - 1) / NR;
    }

    /** {@code size} as a Java array length, or an error naming the matrix. */
    final int arrayLength(long size) {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix [" + out + ", " + in + "] is too large for one Java array");
        }
        return (int) size;
    }

    /** Width of the output rows this matrix writes: {@code out} rounded up to whole panels. */
    int paddedOut() {
        return panels * NR;
    }

    /** Round {@code n} up to a whole number of panels. */
    static int padded(int n) {
        return (n + NR - 1) / NR * NR;
    }

    /** Bytes of one stored weight. */
    abstract int bytesPerWeight();

    /** Bytes a product streams: every panel, padding included. */
    long bytes() {
        return (long) paddedOut() * in * bytesPerWeight();
    }

    /** Element {@code W[row][col]} (widened to float). */
    abstract float get(int row, int col);

    /** Copies row {@code row} of {@code W} into {@code dst[off..off+in)} (an embedding lookup). */
    abstract void copyRow(int row, float[] dst, int off);

    /**
     * Fills panel {@code p} from float values: {@code rows[w*in + i] = W[p*NR + w][i]} for {@code w < NR}.
     * Only float32 matrices take float values; a bfloat16 matrix refuses them rather than round.
     */
    abstract void putPanel(int p, float[] rows);

    /**
     * {@code C[r, 0..NR) (+)= A[r, 0..in) · W[p*NR .. p*NR+NR, 0..in)ᵀ} for rows {@code r < m}, where row
     * {@code r} of {@code A} starts at {@code aOff + r*lda} and of {@code C} at {@code cOff + r*ldc}: one panel,
     * all rows. With {@code accumulate} the products are added to what {@code C} holds (a residual), after their
     * chains are complete, as the graph adds a projection to its residual.
     *
     * <p>The kernels always start their chains from zero: a kernel that could also start from C's values
     * (a branch per accumulator) grew past the JIT's inlining budget once both ways had run (bfloat16, four
     * rows), and the Vector API then fell back to Java code that allocates every vector: ten times slower, and
     * gigabytes of garbage a second.
     */
    final void multiplyPanel(int p, float[] a, int aOff, int lda, int m, float[] c, int cOff, int ldc,
                             boolean accumulate) {
        if (!accumulate) {
            products(p, a, aOff, lda, m, c, cOff, ldc);
            return;
        }
        float[] t = SCRATCH.get();
        if (t.length < m * NR) {
            t = new float[m * NR];
            SCRATCH.set(t);
        }
        products(p, a, aOff, lda, m, t, 0, NR);
        for (int r = 0; r < m; r++) {
            int cr = cOff + r * ldc;
            for (int v = 0; v < NR; v += L) {
                FloatVector.fromArray(S, c, cr + v).add(FloatVector.fromArray(S, t, r * NR + v)).intoArray(c, cr + v);
            }
        }
    }

    /** Each thread's panel of products to add to a residual. */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[8 * NR]);

    /** {@link #multiplyPanel} into {@code C} (not accumulating). */
    private void products(int p, float[] a, int aOff, int lda, int m, float[] c, int cOff, int ldc) {
        int pOff = panelOffset(p);
        int r = 0;
        for (; r + 8 <= m; r += 8) {
            kernel8(a, aOff + r * lda, lda, pOff, c, cOff + r * ldc, ldc);
        }
        if (r + 4 <= m) {
            kernel4(a, aOff + r * lda, lda, pOff, c, cOff + r * ldc, ldc);
            r += 4;
        }
        if (r + 2 <= m) {
            kernel2(a, aOff + r * lda, lda, pOff, c, cOff + r * ldc, ldc);
            r += 2;
        }
        if (r < m) {
            kernel1(a, aOff + r * lda, pOff, c, cOff + r * ldc);
        }
        finishPanel(a, aOff, lda, m, pOff, c, cOff, ldc);
    }

    /** Completes all rows' products after the kernels, where a layout leaves inputs to them (none by default). */
    void finishPanel(float[] a, int aOff, int lda, int m, int pOff, float[] c, int cOff, int ldc) {
    }

    /** Index of panel {@code p}'s first element in the backing array. */
    abstract int panelOffset(int p);

    /**
     * 8, 4, 2 and 1 rows of {@link #multiplyPanel}: rows {@code a0 + k*lda} of A into {@code c0 + k*ldc} of C,
     * each output's chain started from zero.
     */
    abstract void kernel8(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc);

    abstract void kernel4(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc);

    abstract void kernel2(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc);

    abstract void kernel1(float[] a, int a0, int pOff, float[] c, int c0);
}
