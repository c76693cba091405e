package dev.thinktune.model.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix product of up to {@link #ROWS} rows on the JDK Vector API, on plain float arrays:
 * {@code c[r][j] (+)= sum over p in [p0, p1) of a(r, p) * b[p][j]}. {@code a(r, p)} is read as
 * {@code a[aOff + r * ars + p * acs]}, so {@code a} can be given as stored or transposed; {@code b} and {@code c}
 * are row-major with leading dimensions {@code ldb}, {@code ldc}, and the column count is a multiple of
 * {@link #L} (callers pad their scratch rows). The attention op ({@link CausalAttention}) passes each row block
 * the range of {@code p} its causal mask leaves nonzero, which skips the products of the masked half.
 *
 * <p>Four rows times four vectors of accumulators stay in registers (AVX-512 has 32); each element of {@code a}
 * is broadcast once per four vectors of {@code b} (two or one for the last columns).
 */
final class RowBlockProduct {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int L = S.length();
    /** Rows per block. */
    static final int ROWS = 4;

    private RowBlockProduct() {
    }

    /** {@code n} rounded up to a multiple of {@code 4 L}, the columns of the widest block. */
    static int paddedBlock(int n) {
        return (n + 4 * L - 1) / (4 * L) * (4 * L);
    }

    /** {@code n} rounded up to a multiple of {@link #L}. */
    static int padded(int n) {
        return (n + L - 1) / L * L;
    }

    /**
     * {@code c[cOff + r*ldc + j] (+)= sum_{p0 <= p < p1} a[aOff + r*ars + p*acs] * b[bOff + p*ldb + j]} for
     * {@code r < rows <= ROWS}, {@code j < cols} ({@code cols} a multiple of {@link #L}); {@code accumulate}
     * adds to {@code c}, else overwrites it.
     */
    static void multiply(float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, int rows, int cols, int p0, int p1, boolean accumulate) {
        if (rows == ROWS) {
            int j = 0;
            for (; j + 4 * L <= cols; j += 4 * L) {
                four(a, aOff, ars, acs, b, bOff + j, ldb, c, cOff + j, ldc, p0, p1, accumulate);
            }
            for (; j + 2 * L <= cols; j += 2 * L) {
                two(a, aOff, ars, acs, b, bOff + j, ldb, c, cOff + j, ldc, p0, p1, accumulate);
            }
            for (; j < cols; j += L) {
                one(a, aOff, ars, acs, b, bOff + j, ldb, c, cOff + j, ldc, p0, p1, accumulate);
            }
        } else {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j += L) {
                    FloatVector acc = accumulate ? FloatVector.fromArray(S, c, cOff + r * ldc + j) : FloatVector.zero(S);
                    int ar = aOff + r * ars;
                    for (int p = p0; p < p1; p++) {
                        acc = FloatVector.fromArray(S, b, bOff + p * ldb + j).fma(FloatVector.broadcast(S, a[ar + p * acs]), acc);
                    }
                    acc.intoArray(c, cOff + r * ldc + j);
                }
            }
        }
    }

    /** Four rows by four vectors. */
    private static void four(float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, int p0, int p1, boolean accumulate) {
        int c0 = cOff, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r00 = init(c, c0, accumulate), r01 = init(c, c0 + L, accumulate);
        FloatVector r02 = init(c, c0 + 2 * L, accumulate), r03 = init(c, c0 + 3 * L, accumulate);
        FloatVector r10 = init(c, c1, accumulate), r11 = init(c, c1 + L, accumulate);
        FloatVector r12 = init(c, c1 + 2 * L, accumulate), r13 = init(c, c1 + 3 * L, accumulate);
        FloatVector r20 = init(c, c2, accumulate), r21 = init(c, c2 + L, accumulate);
        FloatVector r22 = init(c, c2 + 2 * L, accumulate), r23 = init(c, c2 + 3 * L, accumulate);
        FloatVector r30 = init(c, c3, accumulate), r31 = init(c, c3 + L, accumulate);
        FloatVector r32 = init(c, c3 + 2 * L, accumulate), r33 = init(c, c3 + 3 * L, accumulate);
        for (int p = p0; p < p1; p++) {
            int bp = bOff + p * ldb, ap = aOff + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L), b3 = FloatVector.fromArray(S, b, bp + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02); r03 = b3.fma(x, r03);
            x = FloatVector.broadcast(S, a[ap + ars]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12); r13 = b3.fma(x, r13);
            x = FloatVector.broadcast(S, a[ap + 2 * ars]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22); r23 = b3.fma(x, r23);
            x = FloatVector.broadcast(S, a[ap + 3 * ars]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32); r33 = b3.fma(x, r33);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L); r03.intoArray(c, c0 + 3 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L); r13.intoArray(c, c1 + 3 * L);
        r20.intoArray(c, c2); r21.intoArray(c, c2 + L); r22.intoArray(c, c2 + 2 * L); r23.intoArray(c, c2 + 3 * L);
        r30.intoArray(c, c3); r31.intoArray(c, c3 + L); r32.intoArray(c, c3 + 2 * L); r33.intoArray(c, c3 + 3 * L);
    }

    /** Four rows by two vectors (a 32-wide attention head on AVX-512): eight independent accumulators. */
    private static void two(float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, int p0, int p1, boolean accumulate) {
        int c0 = cOff, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r00 = init(c, c0, accumulate), r01 = init(c, c0 + L, accumulate);
        FloatVector r10 = init(c, c1, accumulate), r11 = init(c, c1 + L, accumulate);
        FloatVector r20 = init(c, c2, accumulate), r21 = init(c, c2 + L, accumulate);
        FloatVector r30 = init(c, c3, accumulate), r31 = init(c, c3 + L, accumulate);
        for (int p = p0; p < p1; p++) {
            int bp = bOff + p * ldb, ap = aOff + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01);
            x = FloatVector.broadcast(S, a[ap + ars]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11);
            x = FloatVector.broadcast(S, a[ap + 2 * ars]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21);
            x = FloatVector.broadcast(S, a[ap + 3 * ars]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L);
        r20.intoArray(c, c2); r21.intoArray(c, c2 + L);
        r30.intoArray(c, c3); r31.intoArray(c, c3 + L);
    }

    /** Four rows by one vector. */
    private static void one(float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, int p0, int p1, boolean accumulate) {
        int c0 = cOff, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r0 = init(c, c0, accumulate), r1 = init(c, c1, accumulate);
        FloatVector r2 = init(c, c2, accumulate), r3 = init(c, c3, accumulate);
        for (int p = p0; p < p1; p++) {
            int ap = aOff + p * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bOff + p * ldb);
            r0 = b0.fma(FloatVector.broadcast(S, a[ap]), r0);
            r1 = b0.fma(FloatVector.broadcast(S, a[ap + ars]), r1);
            r2 = b0.fma(FloatVector.broadcast(S, a[ap + 2 * ars]), r2);
            r3 = b0.fma(FloatVector.broadcast(S, a[ap + 3 * ars]), r3);
        }
        r0.intoArray(c, c0); r1.intoArray(c, c1); r2.intoArray(c, c2); r3.intoArray(c, c3);
    }

    private static FloatVector init(float[] c, int off, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(S, c, off) : FloatVector.zero(S);
    }
}
