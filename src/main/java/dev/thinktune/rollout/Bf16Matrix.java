package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A {@link PackedMatrix} of bfloat16 weights, kept as the checkpoint stores them: half the bytes of
 * {@link F32Matrix} per decode step. Each panel is stored as pairs of inputs, {@code [ceil(in/2)][NR]} ints: int
 * {@code w} of pair {@code q} holds {@code W[p*NR + w][2q]} in its low half and {@code W[p*NR + w][2q+1]} in
 * its high half (zero past {@code in}). A bfloat16 is the upper half of a float, so the kernel widens a vector
 * of ints into two float vectors with one shift and one mask, no conversion instructions:
 * {@code low = bits << 16}, {@code high = bits & 0xffff0000}. It then runs {@link F32Matrix}'s fused
 * multiply-add chains on them in the same input order, so the products equal float32 ones on the widened
 * weights bit for bit.
 */
final class Bf16Matrix extends PackedMatrix {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int HIGH = 0xffff0000;

    /** Input pairs per panel. */
    final int pairs;
    final int[] data;

    Bf16Matrix(int out, int in) {
        super(out, in);
        this.pairs = (in + 1) / 2;
        this.data = new int[arrayLength((long) panels * NR * pairs)];
    }

    @Override
    int bytesPerWeight() {
        return 2;
    }

    @Override
    long bytes() {
        return (long) paddedOut() * pairs * 4;
    }

    /**
     * Fills panel {@code p} from bfloat16 bits: {@code rows[w*in + i]} is {@code W[p*NR + w][i]} for
     * {@code w < NR}.
     */
    void putPanel(int p, short[] rows) {
        int base = panelOffset(p);
        int full = in >> 1;
        for (int q = 0; q < full; q++) {
            int o = base + q * NR;
            for (int w = 0; w < NR; w++) {
                int r = w * in + 2 * q;
                data[o + w] = (rows[r] & 0xffff) | (rows[r + 1] << 16);
            }
        }
        if ((in & 1) != 0) {
            int o = base + full * NR;
            for (int w = 0; w < NR; w++) {
                data[o + w] = rows[w * in + in - 1] & 0xffff;
            }
        }
    }

    @Override
    void putPanel(int p, float[] rows) {
        throw new IllegalArgumentException("this decoder holds bfloat16 weights [" + out + ", " + in
                + "]; float32 weights need a float32 decoder (build the engine from the float32 weights)");
    }

    @Override
    int panelOffset(int p) {
        return p * pairs * NR;
    }

    private int bits(int row, int col) {
        int v = data[panelOffset(row / NR) + (col >> 1) * NR + row % NR];
        return (col & 1) == 0 ? v << 16 : v & HIGH;
    }

    @Override
    float get(int row, int col) {
        return Float.intBitsToFloat(bits(row, col));
    }

    @Override
    void copyRow(int row, float[] dst, int off) {
        for (int i = 0; i < in; i++) {
            dst[off + i] = Float.intBitsToFloat(bits(row, i));
        }
    }

    /**
     * Adds the last input's products when {@code in} is odd: the kernels take whole pairs only (a vector value
     * that flows around a branch after their loop would be boxed by the JIT), and this finishes each output's
     * fused multiply-add chain in order.
     */
    @Override
    void finishPanel(float[] a, int aOff, int lda, int m, int pOff, float[] c, int cOff, int ldc) {
        if ((in & 1) == 0) {
            return;
        }
        int po = pOff + (in >> 1) * NR;
        FloatVector b0 = low(IntVector.fromArray(I, data, po));
        FloatVector b1 = low(IntVector.fromArray(I, data, po + L));
        FloatVector b2 = low(IntVector.fromArray(I, data, po + 2 * L));
        for (int r = 0; r < m; r++) {
            FloatVector x = FloatVector.broadcast(S, a[aOff + r * lda + in - 1]);
            int cr = cOff + r * ldc;
            b0.fma(x, FloatVector.fromArray(S, c, cr)).intoArray(c, cr);
            b1.fma(x, FloatVector.fromArray(S, c, cr + L)).intoArray(c, cr + L);
            b2.fma(x, FloatVector.fromArray(S, c, cr + 2 * L)).intoArray(c, cr + 2 * L);
        }
    }

    /** The bfloat16 values in the low halves of {@code v}, as floats. */
    private static FloatVector low(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The bfloat16 values in the high halves of {@code v}, as floats. */
    private static FloatVector high(IntVector v) {
        return v.and(HIGH).reinterpretAsFloats();
    }

    /**
     * Eight rows as two passes of four over the same panel (the second reads it from cache): with 24 accumulators
     * the widening's registers made the JIT spill, and four rows at a time ran faster.
     */
    @Override
    void kernel8(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc) {
        kernel4(a, a0, lda, pOff, c, c0, ldc);
        kernel4(a, a0 + 4 * lda, lda, pOff, c, c0 + 4 * ldc, ldc);
    }

    @Override
    void kernel4(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc) {
        final int[] w = data;
        final int full = in >> 1;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r00 = FloatVector.zero(S), r01 = FloatVector.zero(S), r02 = FloatVector.zero(S);
        FloatVector r10 = FloatVector.zero(S), r11 = FloatVector.zero(S), r12 = FloatVector.zero(S);
        FloatVector r20 = FloatVector.zero(S), r21 = FloatVector.zero(S), r22 = FloatVector.zero(S);
        FloatVector r30 = FloatVector.zero(S), r31 = FloatVector.zero(S), r32 = FloatVector.zero(S);
        for (int q = 0; q < full; q++) {
            int po = pOff + q * NR;
            int i = 2 * q;
            FloatVector b0 = low(IntVector.fromArray(I, w, po));
            FloatVector b1 = low(IntVector.fromArray(I, w, po + L));
            FloatVector b2 = low(IntVector.fromArray(I, w, po + 2 * L));
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
            b0 = high(IntVector.fromArray(I, w, po));
            b1 = high(IntVector.fromArray(I, w, po + L));
            b2 = high(IntVector.fromArray(I, w, po + 2 * L));
            x = FloatVector.broadcast(S, a[a0 + i + 1]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i + 1]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i + 1]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i + 1]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L);
        r20.intoArray(c, c2); r21.intoArray(c, c2 + L); r22.intoArray(c, c2 + 2 * L);
        r30.intoArray(c, c3); r31.intoArray(c, c3 + L); r32.intoArray(c, c3 + 2 * L);
    }

    /** Two rows as two passes of one (a tail of the batch: the panel is in cache for the second). */
    @Override
    void kernel2(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc) {
        kernel1(a, a0, pOff, c, c0);
        kernel1(a, a0 + lda, pOff, c, c0 + ldc);
    }

    @Override
    void kernel1(float[] a, int a0, int pOff, float[] c, int c0) {
        final int[] w = data;
        final int full = in >> 1;
        FloatVector r00 = FloatVector.zero(S), r01 = FloatVector.zero(S), r02 = FloatVector.zero(S);
        for (int q = 0; q < full; q++) {
            int po = pOff + q * NR;
            int i = 2 * q;
            FloatVector b0 = low(IntVector.fromArray(I, w, po));
            FloatVector b1 = low(IntVector.fromArray(I, w, po + L));
            FloatVector b2 = low(IntVector.fromArray(I, w, po + 2 * L));
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            b0 = high(IntVector.fromArray(I, w, po));
            b1 = high(IntVector.fromArray(I, w, po + L));
            b2 = high(IntVector.fromArray(I, w, po + 2 * L));
            x = FloatVector.broadcast(S, a[a0 + i + 1]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
    }
}
