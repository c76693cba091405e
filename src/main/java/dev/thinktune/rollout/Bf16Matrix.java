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
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
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

    /** The bfloat16 values in the low halves of {@code v}, as floats. */
    private static FloatVector low(IntVector v) {
        return v.lanewise(VectorOperators.LSHL, 16).viewAsFloatingLanes();
    }

    /** The bfloat16 values in the high halves of {@code v}, as floats. */
    private static FloatVector high(IntVector v) {
        return v.and(HIGH).viewAsFloatingLanes();
    }

    @Override
    void kernel8(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc, boolean acc) {
        final int[] w = data;
        final int full = in >> 1;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc, c6 = c5 + ldc, c7 = c6 + ldc;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        FloatVector r10 = init(c, c1, acc), r11 = init(c, c1 + L, acc), r12 = init(c, c1 + 2 * L, acc);
        FloatVector r20 = init(c, c2, acc), r21 = init(c, c2 + L, acc), r22 = init(c, c2 + 2 * L, acc);
        FloatVector r30 = init(c, c3, acc), r31 = init(c, c3 + L, acc), r32 = init(c, c3 + 2 * L, acc);
        FloatVector r40 = init(c, c4, acc), r41 = init(c, c4 + L, acc), r42 = init(c, c4 + 2 * L, acc);
        FloatVector r50 = init(c, c5, acc), r51 = init(c, c5 + L, acc), r52 = init(c, c5 + 2 * L, acc);
        FloatVector r60 = init(c, c6, acc), r61 = init(c, c6 + L, acc), r62 = init(c, c6 + 2 * L, acc);
        FloatVector r70 = init(c, c7, acc), r71 = init(c, c7 + L, acc), r72 = init(c, c7 + 2 * L, acc);
        for (int q = 0; q < full; q++) {
            int po = pOff + q * NR;
            int i = 2 * q;
            IntVector w0 = IntVector.fromArray(I, w, po);
            IntVector w1 = IntVector.fromArray(I, w, po + L);
            IntVector w2 = IntVector.fromArray(I, w, po + 2 * L);
            FloatVector b0 = low(w0), b1 = low(w1), b2 = low(w2);
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
            b0 = high(w0);
            b1 = high(w1);
            b2 = high(w2);
            x = FloatVector.broadcast(S, a[a0 + i + 1]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i + 1]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i + 1]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i + 1]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
            x = FloatVector.broadcast(S, a[a4 + i + 1]);
            r40 = b0.fma(x, r40); r41 = b1.fma(x, r41); r42 = b2.fma(x, r42);
            x = FloatVector.broadcast(S, a[a5 + i + 1]);
            r50 = b0.fma(x, r50); r51 = b1.fma(x, r51); r52 = b2.fma(x, r52);
            x = FloatVector.broadcast(S, a[a6 + i + 1]);
            r60 = b0.fma(x, r60); r61 = b1.fma(x, r61); r62 = b2.fma(x, r62);
            x = FloatVector.broadcast(S, a[a7 + i + 1]);
            r70 = b0.fma(x, r70); r71 = b1.fma(x, r71); r72 = b2.fma(x, r72);
        }
        if ((in & 1) != 0) {
            int po = pOff + full * NR;
            int i = in - 1;
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

    @Override
    void kernel4(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc, boolean acc) {
        final int[] w = data;
        final int full = in >> 1;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        FloatVector r10 = init(c, c1, acc), r11 = init(c, c1 + L, acc), r12 = init(c, c1 + 2 * L, acc);
        FloatVector r20 = init(c, c2, acc), r21 = init(c, c2 + L, acc), r22 = init(c, c2 + 2 * L, acc);
        FloatVector r30 = init(c, c3, acc), r31 = init(c, c3 + L, acc), r32 = init(c, c3 + 2 * L, acc);
        for (int q = 0; q < full; q++) {
            int po = pOff + q * NR;
            int i = 2 * q;
            IntVector w0 = IntVector.fromArray(I, w, po);
            IntVector w1 = IntVector.fromArray(I, w, po + L);
            IntVector w2 = IntVector.fromArray(I, w, po + 2 * L);
            FloatVector b0 = low(w0), b1 = low(w1), b2 = low(w2);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
            b0 = high(w0);
            b1 = high(w1);
            b2 = high(w2);
            x = FloatVector.broadcast(S, a[a0 + i + 1]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i + 1]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            x = FloatVector.broadcast(S, a[a2 + i + 1]);
            r20 = b0.fma(x, r20); r21 = b1.fma(x, r21); r22 = b2.fma(x, r22);
            x = FloatVector.broadcast(S, a[a3 + i + 1]);
            r30 = b0.fma(x, r30); r31 = b1.fma(x, r31); r32 = b2.fma(x, r32);
        }
        if ((in & 1) != 0) {
            int po = pOff + full * NR;
            int i = in - 1;
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
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L);
        r20.intoArray(c, c2); r21.intoArray(c, c2 + L); r22.intoArray(c, c2 + 2 * L);
        r30.intoArray(c, c3); r31.intoArray(c, c3 + L); r32.intoArray(c, c3 + 2 * L);
    }

    @Override
    void kernel2(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc, boolean acc) {
        final int[] w = data;
        final int full = in >> 1;
        final int a1 = a0 + lda;
        final int c1 = c0 + ldc;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        FloatVector r10 = init(c, c1, acc), r11 = init(c, c1 + L, acc), r12 = init(c, c1 + 2 * L, acc);
        for (int q = 0; q < full; q++) {
            int po = pOff + q * NR;
            int i = 2 * q;
            IntVector w0 = IntVector.fromArray(I, w, po);
            IntVector w1 = IntVector.fromArray(I, w, po + L);
            IntVector w2 = IntVector.fromArray(I, w, po + 2 * L);
            FloatVector b0 = low(w0), b1 = low(w1), b2 = low(w2);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
            b0 = high(w0);
            b1 = high(w1);
            b2 = high(w2);
            x = FloatVector.broadcast(S, a[a0 + i + 1]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i + 1]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
        }
        if ((in & 1) != 0) {
            int po = pOff + full * NR;
            int i = in - 1;
            FloatVector b0 = low(IntVector.fromArray(I, w, po));
            FloatVector b1 = low(IntVector.fromArray(I, w, po + L));
            FloatVector b2 = low(IntVector.fromArray(I, w, po + 2 * L));
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            x = FloatVector.broadcast(S, a[a1 + i]);
            r10 = b0.fma(x, r10); r11 = b1.fma(x, r11); r12 = b2.fma(x, r12);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
        r10.intoArray(c, c1); r11.intoArray(c, c1 + L); r12.intoArray(c, c1 + 2 * L);
    }

    @Override
    void kernel1(float[] a, int a0, int pOff, float[] c, int c0, boolean acc) {
        final int[] w = data;
        final int full = in >> 1;
        FloatVector r00 = init(c, c0, acc), r01 = init(c, c0 + L, acc), r02 = init(c, c0 + 2 * L, acc);
        for (int q = 0; q < full; q++) {
            int po = pOff + q * NR;
            int i = 2 * q;
            IntVector w0 = IntVector.fromArray(I, w, po);
            IntVector w1 = IntVector.fromArray(I, w, po + L);
            IntVector w2 = IntVector.fromArray(I, w, po + 2 * L);
            FloatVector b0 = low(w0), b1 = low(w1), b2 = low(w2);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
            b0 = high(w0);
            b1 = high(w1);
            b2 = high(w2);
            x = FloatVector.broadcast(S, a[a0 + i + 1]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
        }
        if ((in & 1) != 0) {
            int po = pOff + full * NR;
            int i = in - 1;
            FloatVector b0 = low(IntVector.fromArray(I, w, po));
            FloatVector b1 = low(IntVector.fromArray(I, w, po + L));
            FloatVector b2 = low(IntVector.fromArray(I, w, po + 2 * L));
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            r00 = b0.fma(x, r00); r01 = b1.fma(x, r01); r02 = b2.fma(x, r02);
        }
        r00.intoArray(c, c0); r01.intoArray(c, c0 + L); r02.intoArray(c, c0 + 2 * L);
    }
}
