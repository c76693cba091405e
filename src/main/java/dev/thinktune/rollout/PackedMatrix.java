package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * A weight matrix {@code W [out, in]} (the Hugging Face layout) repacked for {@code y = x · Wᵀ} on the CPU: the
 * output columns are cut into panels of {@link #NR} (three vectors of the preferred species, 48 floats with
 * AVX-512), and each panel is stored {@code [in][NR]}, so the product streams it front to back once per tile
 * of rows. Rows of {@code W} beyond {@code out} in the last panel are zero.
 *
 * <p>The kernel is a register-blocked outer product: for each input index {@code i} it loads the panel's
 * {@code NR} weights (three vectors) once and multiplies them into 8 rows of activations (each a broadcast
 * scalar), keeping 8 × 3 vector accumulators in registers. Every output element is one fused multiply-add chain
 * over {@code i} in order, whatever the tile it falls in, so a row's result never depends on which other rows
 * share the batch (the engine's seeds rely on this).
 */
final class PackedMatrix {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Panel width: three vectors. */
    static final int NR = 3 * L;

    final int out;
    final int in;
    final int panels;
    final float[] data;

    PackedMatrix(int out, int in) {
        this.out = out;
        this.in = in;
        this.panels = (out + NR - 1) / NR;
        long size = (long) panels * NR * in;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix [" + out + ", " + in + "] is too large for one Java array");
        }
        this.data = new float[(int) size];
    }

    /** Width of the output rows this matrix writes: {@code out} rounded up to whole panels. */
    int paddedOut() {
        return panels * NR;
    }

    /** Round {@code n} up to a whole number of panels. */
    static int padded(int n) {
        return (n + NR - 1) / NR * NR;
    }

    /** Copies source row {@code srcRow} (of length {@code in}, starting at {@code srcBase + srcRow * in}) to output row {@code row}. */
    void putRow(int row, FloatBuffer src, long srcBase, int srcRow, float[] rowScratch) {
        src.get(Math.toIntExact(srcBase + (long) srcRow * in), rowScratch, 0, in);
        int base = (row / NR) * in * NR + row % NR;
        for (int i = 0; i < in; i++) {
            data[base + i * NR] = rowScratch[i];
        }
    }

    /** Element {@code W[row][col]}. */
    float get(int row, int col) {
        return data[(row / NR) * in * NR + col * NR + row % NR];
    }

    /** Copies row {@code row} of {@code W} into {@code dst[off..off+in)} (an embedding lookup on a tied head). */
    void copyRow(int row, float[] dst, int off) {
        int base = (row / NR) * in * NR + row % NR;
        for (int i = 0; i < in; i++) {
            dst[off + i] = data[base + i * NR];
        }
    }

    /**
     * {@code C[r, 0..NR) (+)= A[r, 0..in) · W[p*NR .. p*NR+NR, 0..in)ᵀ} for rows {@code r < m}, where row
     * {@code r} of {@code A} starts at {@code aOff + r*lda} and of {@code C} at {@code cOff + r*ldc}: one panel,
     * all rows. With {@code accumulate} the products are added to what {@code C} holds (a residual).
     */
    void multiplyPanel(int p, float[] a, int aOff, int lda, int m, float[] c, int cOff, int ldc, boolean accumulate) {
        int pOff = p * in * NR;
        int cCol = cOff;
        int r = 0;
        for (; r + 8 <= m; r += 8) {
            kernel8(a, aOff + r * lda, lda, pOff, c, cCol + r * ldc, ldc, accumulate);
        }
        if (r + 4 <= m) {
            kernel4(a, aOff + r * lda, lda, pOff, c, cCol + r * ldc, ldc, accumulate);
            r += 4;
        }
        if (r + 2 <= m) {
            kernel2(a, aOff + r * lda, lda, pOff, c, cCol + r * ldc, ldc, accumulate);
            r += 2;
        }
        if (r < m) {
            kernel1(a, aOff + r * lda, pOff, c, cCol + r * ldc, accumulate);
        }
    }

    private static FloatVector init(float[] c, int off, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(S, c, off) : FloatVector.zero(S);
    }

    private void kernel8(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc, boolean acc) {
        final float[] w = data;
        final int k = in;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda,
                a7 = a6 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc, c6 = c5 + ldc,
                c7 = c6 + ldc;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        FloatVector r10 = init(c, c1, acc), r11 = init(c, c1 + L, acc), r12 = init(c, c1 + 2 * L, acc);
        FloatVector r20 = init(c, c2, acc), r21 = init(c, c2 + L, acc), r22 = init(c, c2 + 2 * L, acc);
        FloatVector r30 = init(c, c3, acc), r31 = init(c, c3 + L, acc), r32 = init(c, c3 + 2 * L, acc);
        FloatVector r40 = init(c, c4, acc), r41 = init(c, c4 + L, acc), r42 = init(c, c4 + 2 * L, acc);
        FloatVector r50 = init(c, c5, acc), r51 = init(c, c5 + L, acc), r52 = init(c, c5 + 2 * L, acc);
        FloatVector r60 = init(c, c6, acc), r61 = init(c, c6 + L, acc), r62 = init(c, c6 + 2 * L, acc);
        FloatVector r70 = init(c, c7, acc), r71 = init(c, c7 + L, acc), r72 = init(c, c7 + 2 * L, acc);
        for (int i = 0; i < k; i++) {
            int po = pOff + i * NR;
            FloatVector b0 = FloatVector.fromArray(S, w, po);
            FloatVector b1 = FloatVector.fromArray(S, w, po + L);
            FloatVector b2 = FloatVector.fromArray(S, w, po + 2 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
            x = FloatVector.broadcast(S, a[a4 + i]);
            r40 = b0.fma(x, r40); r41 = b1.fma(x, r41); r42 = b2.fma(x, r42);
            x = FloatVector.broadcast(S, a[a5 + i]);
            r50 = b0.fma(x, r50); r51 = b1.fma(x, r51); r52 = b2.fma(x, r52);
            x = FloatVector.broadcast(S, a[a6 + i]);
            r60 = b0.fma(x, r60); r61 = b1.fma(x, r61); r62 = b2.fma(x, r62);
            x = FloatVector.broadcast(S, a[a7 + i]);
            r70 = b0.fma(x, r70); r71 = b1.fma(x, r71); r72 = b2.fma(x, r72);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L);
        r20.intoArray(c, c2); r21.intoArray(c, c2 + L); r22.intoArray(c, c2 + 2 * L);
        r30.intoArray(c, c3); r31.intoArray(c, c3 + L); r32.intoArray(c, c3 + 2 * L);
        r40.intoArray(c, c4); r41.intoArray(c, c4 + L); r42.intoArray(c, c4 + 2 * L);
        r50.intoArray(c, c5); r51.intoArray(c, c5 + L); r52.intoArray(c, c5 + 2 * L);
        r60.intoArray(c, c6); r61.intoArray(c, c6 + L); r62.intoArray(c, c6 + 2 * L);
        r70.intoArray(c, c7); r71.intoArray(c, c7 + L); r72.intoArray(c, c7 + 2 * L);
    }

    private void kernel4(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc, boolean acc) {
        final float[] w = data;
        final int k = in;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        FloatVector r10 = init(c, c1, acc), r11 = init(c, c1 + L, acc), r12 = init(c, c1 + 2 * L, acc);
        FloatVector r20 = init(c, c2, acc), r21 = init(c, c2 + L, acc), r22 = init(c, c2 + 2 * L, acc);
        FloatVector r30 = init(c, c3, acc), r31 = init(c, c3 + L, acc), r32 = init(c, c3 + 2 * L, acc);
        for (int i = 0; i < k; i++) {
            int po = pOff + i * NR;
            FloatVector b0 = FloatVector.fromArray(S, w, po);
            FloatVector b1 = FloatVector.fromArray(S, w, po + L);
            FloatVector b2 = FloatVector.fromArray(S, w, po + 2 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L);
        r20.intoArray(c, c2); r21.intoArray(c, c2 + L); r22.intoArray(c, c2 + 2 * L);
        r30.intoArray(c, c3); r31.intoArray(c, c3 + L); r32.intoArray(c, c3 + 2 * L);
    }

    private void kernel2(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc, boolean acc) {
        final float[] w = data;
        final int k = in;
        final int a1 = a0 + lda;
        final int c1 = c0 + ldc;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        FloatVector r10 = init(c, c1, acc), r11 = init(c, c1 + L, acc), r12 = init(c, c1 + 2 * L, acc);
        for (int i = 0; i < k; i++) {
            int po = pOff + i * NR;
            FloatVector b0 = FloatVector.fromArray(S, w, po);
            FloatVector b1 = FloatVector.fromArray(S, w, po + L);
            FloatVector b2 = FloatVector.fromArray(S, w, po + 2 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L);
    }

    private void kernel1(float[] a, int a0, int pOff, float[] c, int c0, boolean acc) {
        final float[] w = data;
        final int k = in;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        for (int i = 0; i < k; i++) {
            int po = pOff + i * NR;
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = FloatVector.fromArray(S, w, po).fma(x, r00);
            r01 = FloatVector.fromArray(S, w, po + L).fma(x, r01);
            r02 = FloatVector.fromArray(S, w, po + 2 * L).fma(x, r02);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
    }
}
