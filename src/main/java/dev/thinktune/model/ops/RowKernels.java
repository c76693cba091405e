package dev.thinktune.model.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels on the JDK Vector API: the attention op's softmax, over lengths that are multiples of {@link #L} (the
 * op pads its rows), and the lane sums of the other row ops. Only IEEE-exact operations are used (add, multiply,
 * fused multiply-add, min, max, conversions), so compiled and interpreted code give the same bits.
 */
final class RowKernels {
    private static final VectorSpecies<Float> S = RowBlockProduct.S;
    private static final int L = RowBlockProduct.L;

    private RowKernels() {
    }

    // e^x = 2^n e^r with n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts), e^r by its Taylor series to r^7
    // (|r| <= ln 2 / 2: truncation error below 6e-9, relative)
    private static final float LOG2E = 1.44269504f;
    private static final float NEG_LN2_HI = -0.693145751953125f;      // ln 2 to 16 bits: n * this is exact
    private static final float NEG_LN2_LO = -1.428606765330187e-06f;
    private static final float ROUNDER = 12582912f;                   // 1.5 * 2^23
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final float LOWEST = -87.3f;                       // below: 0 (2^-126 is the least normal)
    private static final float HIGHEST = 88.0f;
    private static final float[] TAYLOR = {1f / 5040, 1f / 720, 1f / 120, 1f / 24, 1f / 6, 0.5f, 1f, 1f};

    /** e^x lane-wise; 0 below {@value #LOWEST} (so e^-inf is 0). */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> zero = x.lt(LOWEST);
        FloatVector c = x.max(LOWEST).min(HIGHEST);
        FloatVector shifted = c.fma(LOG2E, ROUNDER);                   // n in its low mantissa bits
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(S, NEG_LN2_HI), c);
        r = n.fma(FloatVector.broadcast(S, NEG_LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, TAYLOR[0]);
        for (int i = 1; i < TAYLOR.length; i++) {
            p = p.fma(r, FloatVector.broadcast(S, TAYLOR[i]));
        }
        // 2^n from the bits of n + 1.5 * 2^23 (a reinterpretation: the JIT compiles no float-to-int conversion)
        IntVector bits = ((IntVector) shifted.viewAsIntegralLanes()).sub(ROUNDER_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats()).blend(0f, zero);
    }

    /** The largest of {@code x[off, off + n)}. */
    static float max(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            m = m.max(FloatVector.fromArray(S, x, off + j));
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** {@code x[j] = e^(x[j] - shift)} on {@code [off, off + n)}; returns their sum (lanes summed in order). */
    static double expShifted(float[] x, int off, int n, float shift) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < n; j += L) {
            FloatVector e = exp(FloatVector.fromArray(S, x, off + j).sub(shift));
            e.intoArray(x, off + j);
            sum = sum.add(e);
        }
        return sumLanes(sum);
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /** The sum of the lanes of {@code v} in lane order (the same bits compiled or interpreted). */
    static double sumLanes(FloatVector v) {
        float[] lanes = LANES.get();
        v.intoArray(lanes, 0);                   // lane(i) with a variable i is not compiled to a lane read
        double total = 0;
        for (float lane : lanes) {
            total += lane;
        }
        return total;
    }

    /** {@code x[off + j] += add[j]} for {@code j < n}. */
    static void add(float[] x, int off, float[] add, int n) {
        for (int j = 0; j < n; j += L) {
            FloatVector.fromArray(S, x, off + j).add(FloatVector.fromArray(S, add, j)).intoArray(x, off + j);
        }
    }

    /** {@code x[off + j] *= f} for {@code j < n}. */
    static void scale(float[] x, int off, int n, float f) {
        for (int j = 0; j < n; j += L) {
            FloatVector.fromArray(S, x, off + j).mul(f).intoArray(x, off + j);
        }
    }

    /** The softmax's gradient: {@code ds[j] = p[j] * (ds[j] - dot)} on {@code [off, off + n)}. */
    static void softmaxGradient(float[] p, float[] ds, int off, int n, float dot) {
        for (int j = 0; j < n; j += L) {
            FloatVector d = FloatVector.fromArray(S, ds, off + j).sub(dot);
            FloatVector.fromArray(S, p, off + j).mul(d).intoArray(ds, off + j);
        }
    }
}
