package dev.thinktune.rollout;

import dev.thinktune.model.DType;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bfloat16 packed-matrix kernel against a plain product on the widened weights. */
class Bf16MatrixTest {

    /** Random bfloat16 bits of normal(0, 1) values, row-major [out][in]. */
    private static short[][] randomBits(int out, int in, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        short[][] w = new short[out][in];
        for (int r = 0; r < out; r++) {
            for (int i = 0; i < in; i++) {
                w[r][i] = DType.floatToBf16((float) rng.nextGaussian());
            }
        }
        return w;
    }

    private static Bf16Matrix pack(short[][] w, int in) {
        int nr = PackedMatrix.NR;
        Bf16Matrix m = new Bf16Matrix(w.length, in);
        short[] panel = new short[nr * in];
        for (int p = 0; p < m.panels; p++) {
            java.util.Arrays.fill(panel, (short) 0);
            for (int k = 0; k < nr && p * nr + k < w.length; k++) {
                System.arraycopy(w[p * nr + k], 0, panel, k * in, in);
            }
            m.putPanel(p, panel);
        }
        return m;
    }

    /**
     * Every output is the fused multiply-add chain over the inputs in order from zero, added to C's value when
     * accumulating: the
     * scalar reference below, on the weights widened with {@link DType#bf16ToFloat}, gives the same bits for every
     * row count the kernel tiles (8, 4, 2, 1 and mixes), odd and even input lengths, and a last panel that is
     * only partly used.
     */
    @Test
    void productEqualsFusedMultiplyAddChainOnWidenedWeights() {
        int nr = PackedMatrix.NR;
        for (int in : new int[]{1, 2, 7, 64, 129}) {
            int out = 2 * nr + 5;
            short[][] w = randomBits(out, in, in);
            Bf16Matrix m = pack(w, in);
            SplittableRandom rng = new SplittableRandom(7 + in);
            for (int rows : new int[]{1, 2, 3, 8, 11, 15}) {
                for (boolean accumulate : new boolean[]{false, true}) {
                    int lda = in + 3, ldc = m.paddedOut() + 2;
                    float[] a = new float[rows * lda];
                    float[] c = new float[rows * ldc];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) rng.nextGaussian();
                    }
                    for (int i = 0; i < c.length; i++) {
                        c[i] = (float) rng.nextGaussian();
                    }
                    float[] start = c.clone();
                    for (int p = 0; p < m.panels; p++) {
                        m.multiplyPanel(p, a, 0, lda, rows, c, p * nr, ldc, accumulate);
                    }
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < m.paddedOut(); o++) {
                            float want = 0f;
                            for (int i = 0; i < in; i++) {
                                float wi = o < out ? DType.bf16ToFloat(w[o][i]) : 0f;
                                want = Math.fma(a[r * lda + i], wi, want);
                            }
                            want = accumulate ? start[r * ldc + o] + want : want;
                            assertEquals(want, c[r * ldc + o], 0f, "in " + in + ", rows " + rows + ", row " + r
                                    + ", output " + o + (accumulate ? ", accumulating" : ""));
                        }
                    }
                }
            }
        }
    }

    @Test
    void elementsAndRowsReadBackWidened() {
        int in = 9, out = PackedMatrix.NR + 3;
        short[][] w = randomBits(out, in, 3);
        Bf16Matrix m = pack(w, in);
        float[] row = new float[in + 2];
        for (int r = 0; r < out; r++) {
            m.copyRow(r, row, 2);
            for (int i = 0; i < in; i++) {
                float want = Float.intBitsToFloat((w[r][i] & 0xffff) << 16);
                assertEquals(want, m.get(r, i), 0f);
                assertEquals(want, row[2 + i], 0f);
            }
        }
        assertEquals(2L * m.paddedOut() * (in + 1), m.bytes(), "odd inputs are stored as whole pairs");
    }

    @Test
    void refusesFloatValuesRatherThanRoundThem() {
        Bf16Matrix m = new Bf16Matrix(4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.putPanel(0, new float[PackedMatrix.NR * 4]));
        assertEquals(true, e.getMessage().contains("bfloat16"), e.getMessage());
    }
}
