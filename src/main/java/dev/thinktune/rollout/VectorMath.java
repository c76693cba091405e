package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and row kernels of the decoder on the JDK Vector API, each with a scalar tail so any length
 * works (the test models have head sizes of 12 and 16). Results depend only on the row they are given.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = PackedMatrix.S;
    static final int L = S.length();

    private VectorMath() {
    }

    /** {@code dst[0..n) = x[0..n) / sqrt(mean(x²) + eps) * g}. */
    static void rmsNorm(float[] x, int xOff, float[] g, float eps, float[] dst, int dOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            acc = v.fma(v, acc);
        }
        float ss = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            ss += x[xOff + i] * x[xOff + i];
        }
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(scale).mul(FloatVector.fromArray(S, g, i))
                    .intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] = x[xOff + i] * scale * g[i];
        }
    }

    /** {@code a[0..n) · b[0..n)}. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            int bound = S.loopBound(n);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        } else {
            s = 0f;
        }
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** {@code y[0..n) += alpha * x[0..n)}. */
    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            for (; i < bound; i += L) {
                FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i))
                        .intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** {@code x[0..n) *= alpha}. */
    static void scale(float[] x, int off, int n, float alpha) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    /** Largest of {@code x[off..off+n)}. */
    static float max(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += L) {
                acc = acc.max(FloatVector.fromArray(S, x, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /**
     * {@code dst[i] = exp((x[off+i] - shift) * invT)} for {@code i < n}, returning their sum (in double over the
     * vector partial sums).
     */
    static double expShifted(float[] x, int off, int n, float shift, float invT, float[] dst, int dOff) {
        int i = 0;
        double sum = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector vs = FloatVector.broadcast(S, shift);
            FloatVector acc = FloatVector.zero(S);
            if (invT == 1f) {
                for (; i < bound; i += L) {
                    FloatVector e = FloatVector.fromArray(S, x, off + i).sub(vs).lanewise(VectorOperators.EXP);
                    e.intoArray(dst, dOff + i);
                    acc = acc.add(e);
                }
            } else {
                for (; i < bound; i += L) {
                    FloatVector e = FloatVector.fromArray(S, x, off + i).sub(vs).mul(invT)
                            .lanewise(VectorOperators.EXP);
                    e.intoArray(dst, dOff + i);
                    acc = acc.add(e);
                }
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp((x[off + i] - shift) * invT);
            dst[dOff + i] = e;
            sum += e;
        }
        return sum;
    }

    /** {@code sum exp(x[off+i] - shift)} for {@code i < n}, without storing the terms. */
    static double sumExpShifted(float[] x, int off, int n, float shift) {
        int i = 0;
        double sum = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector vs = FloatVector.broadcast(S, shift);
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += L) {
                acc = acc.add(FloatVector.fromArray(S, x, off + i).sub(vs).lanewise(VectorOperators.EXP));
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum += (float) Math.exp(x[off + i] - shift);
        }
        return sum;
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]} for {@code i < n}; silu(g) = g / (1 + exp(-g)). */
    static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, gate, gOff + i);
            FloatVector sig = g.neg().lanewise(VectorOperators.EXP).add(1f);
            g.div(sig).mul(FloatVector.fromArray(S, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = (float) (g / (1.0 + Math.exp(-g))) * up[uOff + i];
        }
    }

    /**
     * Rotary embedding of one head in place, transformers' rotate_half form: for {@code j < half},
     * {@code (x_j, x_{j+half}) <- (x_j cos - x_{j+half} sin, x_{j+half} cos + x_j sin)}.
     */
    static void rope(float[] x, int off, int half, float[] cos, float[] sin, int tOff) {
        int j = 0;
        int bound = S.loopBound(half);
        for (; j < bound; j += L) {
            FloatVector a = FloatVector.fromArray(S, x, off + j);
            FloatVector b = FloatVector.fromArray(S, x, off + half + j);
            FloatVector c = FloatVector.fromArray(S, cos, tOff + j);
            FloatVector s = FloatVector.fromArray(S, sin, tOff + j);
            a.mul(c).sub(b.mul(s)).intoArray(x, off + j);
            b.mul(c).add(a.mul(s)).intoArray(x, off + half + j);
        }
        for (; j < half; j++) {
            float a = x[off + j];
            float b = x[off + half + j];
            float c = cos[tOff + j];
            float s = sin[tOff + j];
            x[off + j] = a * c - b * s;
            x[off + half + j] = b * c + a * s;
        }
    }
}
