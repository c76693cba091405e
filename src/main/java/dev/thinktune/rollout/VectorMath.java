package dev.thinktune.rollout;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and row kernels of the decoder on the JDK Vector API, each with a scalar tail so any length
 * works (the test models have head sizes of 12 and 16). Results depend only on the row they are given.
 *
 * <p>Only operations that IEEE 754 rounds exactly are used (add, multiply, fused multiply-add, divide, max, bit
 * operations): the Vector API's {@code EXP} and {@code reduceLanes(ADD)} are avoided because the JIT's intrinsics
 * and the interpreter's fallback give different last bits, and a seed must give the same log-probs in a fresh
 * JVM and a warm one. {@link #exp} is a polynomial of those operations, identical in its vector and scalar forms.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = PackedMatrix.S;
    static final int L = S.length();

    private VectorMath() {
    }

    // exp(x) = 2^n * e^r, n = round(x / ln 2), |r| <= ln 2 / 2, e^r by the Cephes expf polynomial (about 1 ulp)
    private static final float EXP_LO = -87f;
    private static final float EXP_HI = 88f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer in the low bits
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /** e^x for x clamped to [-87, 88] (so exp(-inf) is about 1.6e-38, not 0). */
    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUND_BITS + 127) << 23);
        return y * scale;
    }

    /** {@link #exp(float)} lane-wise, with the same operations. */
    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, P0).fma(r, FloatVector.broadcast(S, P1));
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector scale = ((IntVector) t.viewAsIntegralLanes()).sub(ROUND_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        return y.mul(scale);
    }

    /** Sum of the lanes in lane order (the same bits compiled or interpreted). */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
        }
        return s;
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
        float ss = sum(acc);
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
                    FloatVector e = exp(FloatVector.fromArray(S, x, off + i).sub(vs));
                    e.intoArray(dst, dOff + i);
                    acc = acc.add(e);
                }
            } else {
                for (; i < bound; i += L) {
                    FloatVector e = exp(FloatVector.fromArray(S, x, off + i).sub(vs).mul(invT));
                    e.intoArray(dst, dOff + i);
                    acc = acc.add(e);
                }
            }
            sum = sum(acc);
        }
        for (; i < n; i++) {
            float e = exp(invT == 1f ? x[off + i] - shift : (x[off + i] - shift) * invT);
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
                acc = acc.add(exp(FloatVector.fromArray(S, x, off + i).sub(vs)));
            }
            sum = sum(acc);
        }
        for (; i < n; i++) {
            sum += exp(x[off + i] - shift);
        }
        return sum;
    }

    /** {@code dst[dOff + i] += src[sOff + i]} for {@code i < n} (a bias added to a row of a product). */
    static void add(float[] src, int sOff, float[] dst, int dOff, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, dst, dOff + i).add(FloatVector.fromArray(S, src, sOff + i))
                    .intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] += src[sOff + i];
        }
    }

    /** {@code gate[i] = silu(gate[i]) * up[i]} for {@code i < n}; silu(g) = g / (1 + exp(-g)). */
    static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, gate, gOff + i);
            FloatVector sig = exp(g.neg()).add(1f);
            g.div(sig).mul(FloatVector.fromArray(S, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (exp(-g) + 1f) * up[uOff + i];
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

    /**
     * {@code out[t] = q · K[:, t]} for {@code t < n} (n a multiple of the vector length), where
     * {@code K[d, t] = k[kOff + d*stride + t]}: vectors along t, one broadcast of q[d] per row of K. Even and odd
     * d accumulate separately (two independent FMA chains per vector, which halves the latency bound).
     */
    static void scores(float[] q, int qOff, int dim, float[] k, int kOff, int stride, int n, float[] out) {
        int t = 0;
        int pairs = dim & ~1;
        for (; t + 4 * L <= n; t += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int d = 0; d < pairs; d += 2) {
                FloatVector qa = FloatVector.broadcast(S, q[qOff + d]);
                FloatVector qb = FloatVector.broadcast(S, q[qOff + d + 1]);
                int ra = kOff + d * stride + t;
                int rb = ra + stride;
                a0 = FloatVector.fromArray(S, k, ra).fma(qa, a0);
                a1 = FloatVector.fromArray(S, k, ra + L).fma(qa, a1);
                a2 = FloatVector.fromArray(S, k, ra + 2 * L).fma(qa, a2);
                a3 = FloatVector.fromArray(S, k, ra + 3 * L).fma(qa, a3);
                b0 = FloatVector.fromArray(S, k, rb).fma(qb, b0);
                b1 = FloatVector.fromArray(S, k, rb + L).fma(qb, b1);
                b2 = FloatVector.fromArray(S, k, rb + 2 * L).fma(qb, b2);
                b3 = FloatVector.fromArray(S, k, rb + 3 * L).fma(qb, b3);
            }
            if (pairs < dim) {
                FloatVector qa = FloatVector.broadcast(S, q[qOff + pairs]);
                int ra = kOff + pairs * stride + t;
                a0 = FloatVector.fromArray(S, k, ra).fma(qa, a0);
                a1 = FloatVector.fromArray(S, k, ra + L).fma(qa, a1);
                a2 = FloatVector.fromArray(S, k, ra + 2 * L).fma(qa, a2);
                a3 = FloatVector.fromArray(S, k, ra + 3 * L).fma(qa, a3);
            }
            a0.add(b0).intoArray(out, t);
            a1.add(b1).intoArray(out, t + L);
            a2.add(b2).intoArray(out, t + 2 * L);
            a3.add(b3).intoArray(out, t + 3 * L);
        }
        int quads = dim & ~3;
        for (; t < n; t += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d < quads; d += 4) {
                int r = kOff + d * stride + t;
                a0 = FloatVector.fromArray(S, k, r).fma(FloatVector.broadcast(S, q[qOff + d]), a0);
                a1 = FloatVector.fromArray(S, k, r + stride).fma(FloatVector.broadcast(S, q[qOff + d + 1]), a1);
                a2 = FloatVector.fromArray(S, k, r + 2 * stride).fma(FloatVector.broadcast(S, q[qOff + d + 2]), a2);
                a3 = FloatVector.fromArray(S, k, r + 3 * stride).fma(FloatVector.broadcast(S, q[qOff + d + 3]), a3);
            }
            for (; d < dim; d++) {
                a0 = FloatVector.fromArray(S, k, kOff + d * stride + t).fma(FloatVector.broadcast(S, q[qOff + d]), a0);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(out, t);
        }
    }

    /**
     * {@code out[0..dim) = scale * sum_{t < n} p[t] * V[t, :]} with {@code V[t, d] = v[vOff + t*dim + d]}:
     * accumulated in registers along d, even and odd t in separate chains.
     */
    static void weightedRows(float[] p, int n, float[] v, int vOff, int dim, float[] out, int oOff, float scale) {
        if (dim % L != 0) {
            for (int c = 0; c < dim; c++) {
                float a = 0f;
                for (int t = 0; t < n; t++) {
                    a = Math.fma(p[t], v[vOff + t * dim + c], a);
                }
                out[oOff + c] = a * scale;
            }
            return;
        }
        int pairs = n & ~1;
        int c = 0;
        for (; c + 4 * L <= dim; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int t = 0; t < pairs; t += 2) {
                FloatVector pa = FloatVector.broadcast(S, p[t]);
                FloatVector pb = FloatVector.broadcast(S, p[t + 1]);
                int ra = vOff + t * dim + c;
                int rb = ra + dim;
                a0 = FloatVector.fromArray(S, v, ra).fma(pa, a0);
                a1 = FloatVector.fromArray(S, v, ra + L).fma(pa, a1);
                a2 = FloatVector.fromArray(S, v, ra + 2 * L).fma(pa, a2);
                a3 = FloatVector.fromArray(S, v, ra + 3 * L).fma(pa, a3);
                b0 = FloatVector.fromArray(S, v, rb).fma(pb, b0);
                b1 = FloatVector.fromArray(S, v, rb + L).fma(pb, b1);
                b2 = FloatVector.fromArray(S, v, rb + 2 * L).fma(pb, b2);
                b3 = FloatVector.fromArray(S, v, rb + 3 * L).fma(pb, b3);
            }
            if (pairs < n) {
                FloatVector pa = FloatVector.broadcast(S, p[pairs]);
                int ra = vOff + pairs * dim + c;
                a0 = FloatVector.fromArray(S, v, ra).fma(pa, a0);
                a1 = FloatVector.fromArray(S, v, ra + L).fma(pa, a1);
                a2 = FloatVector.fromArray(S, v, ra + 2 * L).fma(pa, a2);
                a3 = FloatVector.fromArray(S, v, ra + 3 * L).fma(pa, a3);
            }
            a0.add(b0).mul(scale).intoArray(out, oOff + c);
            a1.add(b1).mul(scale).intoArray(out, oOff + c + L);
            a2.add(b2).mul(scale).intoArray(out, oOff + c + 2 * L);
            a3.add(b3).mul(scale).intoArray(out, oOff + c + 3 * L);
        }
        for (; c < dim; c += L) {
            FloatVector a0 = FloatVector.zero(S), b0 = a0;
            for (int t = 0; t < pairs; t += 2) {
                a0 = FloatVector.fromArray(S, v, vOff + t * dim + c).fma(FloatVector.broadcast(S, p[t]), a0);
                b0 = FloatVector.fromArray(S, v, vOff + (t + 1) * dim + c).fma(FloatVector.broadcast(S, p[t + 1]), b0);
            }
            if (pairs < n) {
                a0 = FloatVector.fromArray(S, v, vOff + pairs * dim + c).fma(FloatVector.broadcast(S, p[pairs]), a0);
            }
            a0.add(b0).mul(scale).intoArray(out, oOff + c);
        }
    }
}
