package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;

/**
 * A {@link PackedMatrix} of float32 weights: each panel is stored {@code [in][NR]}, and the kernel loads the
 * panel's {@code NR} weights of input {@code i} as three vectors.
 */
final class F32Matrix extends PackedMatrix {
    final float[] data;

    F32Matrix(int out, int in) {
        super(out, in);
        this.data = new float[arrayLength((long) panels * NR * in)];
    }

    @Override
    int bytesPerWeight() {
        return 4;
    }

    @Override
    void putPanel(int p, float[] rows) {
        int base = p * in * NR;
        for (int i = 0; i < in; i++) {
            for (int w = 0; w < NR; w++) {
                data[base + i * NR + w] = rows[w * in + i];
            }
        }
    }

    @Override
    int panelOffset(int p) {
        return p * in * NR;
    }

    @Override
    float get(int row, int col) {
        return data[(row / NR) * in * NR + col * NR + row % NR];
    }

    @Override
    void copyRow(int row, float[] dst, int off) {
        int base = (row / NR) * in * NR + row % NR;
        for (int i = 0; i < in; i++) {
            dst[off + i] = data[base + i * NR];
        }
    }

    @Override
    void kernel8(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc) {
        final float[] w = data;
        final int k = in;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda,
                a7 = a6 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc, c6 = c5 + ldc,
                c7 = c6 + ldc;
        FloatVector r00 = FloatVector.zero(S), r01 = FloatVector.zero(S), r02 = FloatVector.zero(S);
        FloatVector r10 = FloatVector.zero(S), r11 = FloatVector.zero(S), r12 = FloatVector.zero(S);
        FloatVector r20 = FloatVector.zero(S), r21 = FloatVector.zero(S), r22 = FloatVector.zero(S);
        FloatVector r30 = FloatVector.zero(S), r31 = FloatVector.zero(S), r32 = FloatVector.zero(S);
        FloatVector r40 = FloatVector.zero(S), r41 = FloatVector.zero(S), r42 = FloatVector.zero(S);
        FloatVector r50 = FloatVector.zero(S), r51 = FloatVector.zero(S), r52 = FloatVector.zero(S);
        FloatVector r60 = FloatVector.zero(S), r61 = FloatVector.zero(S), r62 = FloatVector.zero(S);
        FloatVector r70 = FloatVector.zero(S), r71 = FloatVector.zero(S), r72 = FloatVector.zero(S);
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

    @Override
    void kernel4(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc) {
        final float[] w = data;
        final int k = in;
        final int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        final int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector r00 = FloatVector.zero(S), r01 = FloatVector.zero(S), r02 = FloatVector.zero(S);
        FloatVector r10 = FloatVector.zero(S), r11 = FloatVector.zero(S), r12 = FloatVector.zero(S);
        FloatVector r20 = FloatVector.zero(S), r21 = FloatVector.zero(S), r22 = FloatVector.zero(S);
        FloatVector r30 = FloatVector.zero(S), r31 = FloatVector.zero(S), r32 = FloatVector.zero(S);
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

    @Override
    void kernel2(float[] a, int a0, int lda, int pOff, float[] c, int c0, int ldc) {
        final float[] w = data;
        final int k = in;
        final int a1 = a0 + lda;
        final int c1 = c0 + ldc;
        FloatVector r00 = FloatVector.zero(S), r01 = FloatVector.zero(S), r02 = FloatVector.zero(S);
        FloatVector r10 = FloatVector.zero(S), r11 = FloatVector.zero(S), r12 = FloatVector.zero(S);
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

    @Override
    void kernel1(float[] a, int a0, int pOff, float[] c, int c0) {
        final float[] w = data;
        final int k = in;
        FloatVector r00 = FloatVector.zero(S), r01 = FloatVector.zero(S), r02 = FloatVector.zero(S);
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
