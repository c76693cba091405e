package dev.thinktune.rollout;

import dev.thinktune.lora.LoraAdapters;
import jdk.incubator.vector.FloatVector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The low-rank adapters of one packed projection, applied beside its frozen weights rather than merged into a
 * copy of them: for the adapted modules among the matrix's tensors (q, k and v of the packed attention input,
 * gate and up of the interleaved feed-forward input, o, down),
 * <pre>
 * u = x · Aᵀ                      A = the modules' A [r, in] stacked: [rank, in], one product for all of them
 * y[:, panel p] += scale · u[:, from_p..to_p) · B_pᵀ
 * </pre>
 * {@code Aᵀ} is stored in column blocks of one vector ({@code [in][L]} each, the rank rounded up to whole
 * vectors rather than to {@link PackedMatrix}'s three-vector panels: a rank-16 A then streams no padding).
 * where {@code B_p} holds, for the output rows of panel {@code p} of the base matrix, their rows of their
 * module's {@code B [out, r]}, placed at the module's columns of {@code u}. The panels are the base matrix's, so
 * the thread that computes a base panel adds its update at once (before SwiGLU for gate and up), with no extra
 * barrier. Each row's update is a fused multiply-add chain over the rank in order, added after the base product:
 * with {@code B = 0} the output is the base output exactly. Float32 throughout.
 */
final class LowRankUpdate {
    private static final int NR = PackedMatrix.NR;
    private static final int L = PackedMatrix.L;

    /** The base matrix whose outputs this updates. */
    final PackedMatrix base;
    /** The adapted modules ({@code model.layers.0.self_attn.q_proj}), in the order of their columns of u. */
    final List<String> modules;
    /** Columns of u: the modules' ranks summed. */
    final int rank;
    /** Row stride of u: the rank rounded up to whole vectors. */
    final int ldU;
    /** Inputs of the projection (columns of A). */
    final int in;
    /** The stacked A transposed, in blocks of L columns: {@code at[v*in*L + i*L + j] = A[v*L + j][i]}. */
    private final float[] at;
    private final int[] rankOffset;
    private final float scale;
    /** Per base panel: the columns of u its rows read, and where its B values start in {@link #b}. */
    private final int[] from;
    private final int[] to;
    private final int[] offset;
    /** Panel p's B values at {@code offset[p] + (k - from[p]) * NR + w}: row {@code p*NR + w}, column k of u. */
    private final float[] b;
    /** Per output row of the base matrix: index of its module in {@link #modules} (-1: none) and its row there. */
    private final int[] rowModule;
    private final int[] rowIndex;

    private LowRankUpdate(PackedMatrix base, List<String> modules, int[] rowModule, int[] rowIndex, int r,
                          float scale) {
        this.base = base;
        this.modules = List.copyOf(modules);
        this.rowModule = rowModule;
        this.rowIndex = rowIndex;
        this.scale = scale;
        this.rank = r * modules.size();
        this.rankOffset = new int[modules.size()];
        for (int m = 0; m < rankOffset.length; m++) {
            rankOffset[m] = m * r;
        }
        this.in = base.in;
        this.ldU = (rank + L - 1) / L * L;
        this.at = new float[ldU * in];
        from = new int[base.panels];
        to = new int[base.panels];
        offset = new int[base.panels + 1];
        for (int p = 0; p < base.panels; p++) {
            int lo = Integer.MAX_VALUE, hi = 0;
            for (int w = 0; w < NR; w++) {
                int m = rowModule[p * NR + w];
                if (m >= 0) {
                    lo = Math.min(lo, rankOffset[m]);
                    hi = Math.max(hi, rankOffset[m] + r);
                }
            }
            from[p] = hi == 0 ? 0 : lo;
            to[p] = hi;
            offset[p + 1] = offset[p] + (to[p] - from[p]) * NR;
        }
        this.b = new float[offset[base.panels]];
    }

    /**
     * The update of {@code base} (a matrix of {@code weights}) by the adapters of its tensors' modules; null when
     * none of them is adapted.
     */
    static LowRankUpdate of(DecoderWeights weights, PackedMatrix base, LoraAdapters adapters) {
        List<String> modules = new ArrayList<>();
        for (String tensor : weights.tensors(base)) {
            String module = module(tensor);
            if (adapters.has(module)) {
                modules.add(module);
            }
        }
        if (modules.isEmpty()) {
            return null;
        }
        int[] rowModule = new int[base.paddedOut()];
        int[] rowIndex = new int[base.paddedOut()];
        Arrays.fill(rowModule, -1);
        for (int row = 0; row < base.out; row++) {
            DecoderWeights.SourceRow s = weights.source(base, row);
            if (s != null) {
                rowModule[row] = modules.indexOf(module(s.tensor()));
                rowIndex[row] = s.row();
            }
        }
        return new LowRankUpdate(base, modules, rowModule, rowIndex, adapters.config().r(),
                (float) adapters.config().scale());
    }

    /** The module a weight tensor belongs to ({@code ...q_proj.weight} to {@code ...q_proj}). */
    private static String module(String tensor) {
        return tensor.substring(0, tensor.length() - ".weight".length());
    }

    /** Bytes of adapter weights one product streams (A and B, float32, panels padded). */
    long bytes() {
        return 4L * at.length + 4L * b.length;
    }

    /** Floats of scratch {@link #load} needs: any one module's A or B whole. */
    int scratchFloats() {
        return rank / modules.size() * Math.max(in, base.out);
    }

    /**
     * Copies the adapters' current A and B values from {@code source} (float32 arrays by adapter tensor name),
     * each tensor read whole into {@code scratch} (of at least {@link #scratchFloats()}) and repacked from there.
     */
    void load(WeightSource source, float[] scratch) {
        int r = rank / modules.size();
        Arrays.fill(at, 0f);
        Arrays.fill(b, 0f);
        for (int m = 0; m < modules.size(); m++) {
            source.floats(modules.get(m) + LoraAdapters.A, 0, r, scratch, 0);
            for (int j = 0; j < r; j++) {
                int k = rankOffset[m] + j;
                int o = (k / L) * in * L + k % L;
                for (int i = 0; i < in; i++) {
                    at[o + i * L] = scratch[j * in + i];
                }
            }
            int rows = 0;
            for (int row = 0; row < base.out; row++) {
                rows = rowModule[row] == m ? Math.max(rows, rowIndex[row] + 1) : rows;
            }
            source.floats(modules.get(m) + LoraAdapters.B, 0, rows, scratch, 0);
            for (int p = 0; p < base.panels; p++) {
                for (int w = 0; w < NR; w++) {
                    int row = p * NR + w;
                    if (rowModule[row] != m) {
                        continue;
                    }
                    int src = rowIndex[row] * r;
                    int dst = offset[p] + (rankOffset[m] - from[p]) * NR + w;
                    for (int j = 0; j < r; j++) {
                        b[dst + j * NR] = scratch[src + j];
                    }
                }
            }
        }
    }

    /**
     * {@code u[r, 0..rank) = x[r, 0..in) · Aᵀ} for rows {@code r < rows} (row r of x at {@code xOff + r*ldx}, of u
     * at {@code uOff + r*ldU}): per block of L columns, 8 rows at a time (then one by one), one fused multiply-add chain over the
     * inputs in order per value.
     */
    void project(float[] x, int xOff, int ldx, int rows, float[] u, int uOff) {
        for (int v = 0; v < ldU / L; v++) {
            int ao = v * in * L;
            int r = 0;
            for (; r + 8 <= rows; r += 8) {
                project8(x, xOff + r * ldx, ldx, ao, u, uOff + r * ldU + v * L);
            }
            for (; r < rows; r++) {
                project1(x, xOff + r * ldx, ao, u, uOff + r * ldU + v * L);
            }
        }
    }

    private void project8(float[] x, int x0, int ldx, int ao, float[] u, int u0) {
        int x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx, x4 = x3 + ldx, x5 = x4 + ldx, x6 = x5 + ldx, x7 = x6 + ldx;
        FloatVector s0 = FloatVector.zero(PackedMatrix.S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0,
                s7 = s0;
        for (int i = 0; i < in; i++) {
            FloatVector w = FloatVector.fromArray(PackedMatrix.S, at, ao + i * L);
            s0 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x0 + i]), s0);
            s1 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x1 + i]), s1);
            s2 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x2 + i]), s2);
            s3 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x3 + i]), s3);
            s4 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x4 + i]), s4);
            s5 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x5 + i]), s5);
            s6 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x6 + i]), s6);
            s7 = w.fma(FloatVector.broadcast(PackedMatrix.S, x[x7 + i]), s7);
        }
        s0.intoArray(u, u0);
        s1.intoArray(u, u0 + ldU);
        s2.intoArray(u, u0 + 2 * ldU);
        s3.intoArray(u, u0 + 3 * ldU);
        s4.intoArray(u, u0 + 4 * ldU);
        s5.intoArray(u, u0 + 5 * ldU);
        s6.intoArray(u, u0 + 6 * ldU);
        s7.intoArray(u, u0 + 7 * ldU);
    }

    private void project1(float[] x, int x0, int ao, float[] u, int u0) {
        FloatVector s0 = FloatVector.zero(PackedMatrix.S);
        for (int i = 0; i < in; i++) {
            s0 = FloatVector.fromArray(PackedMatrix.S, at, ao + i * L).fma(
                    FloatVector.broadcast(PackedMatrix.S, x[x0 + i]), s0);
        }
        s0.intoArray(u, u0);
    }

    /**
     * {@code C[r, 0..NR) += scale · u[r, from..to) · B_pᵀ} for rows {@code r < rows}: the update of the outputs
     * of base panel {@code p}, where row r of C starts at {@code cOff + r*ldc} (as in the base product).
     */
    void addPanel(int p, float[] u, int uOff, int rows, float[] c, int cOff, int ldc) {
        int k0 = from[p], k1 = to[p];
        if (k0 == k1) {
            return;
        }
        int bo = offset[p] - k0 * NR;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            add4(k0, k1, bo, u, uOff + r * ldU, c, cOff + r * ldc, ldc);
        }
        for (; r < rows; r++) {
            add1(k0, k1, bo, u, uOff + r * ldU, c, cOff + r * ldc);
        }
    }

    /** Four rows of {@link #addPanel}: twelve independent chains, each B vector loaded once for the four. */
    private void add4(int k0, int k1, int bo, float[] u, int u0, float[] c, int c0, int ldc) {
        int u1 = u0 + ldU, u2 = u1 + ldU, u3 = u2 + ldU;
        FloatVector z = FloatVector.zero(PackedMatrix.S);
        FloatVector a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z, e0 = z, e1 = z, e2 = z, f0 = z, f1 = z, f2 = z;
        for (int k = k0; k < k1; k++) {
            int po = bo + k * NR;
            FloatVector w0 = FloatVector.fromArray(PackedMatrix.S, b, po);
            FloatVector w1 = FloatVector.fromArray(PackedMatrix.S, b, po + L);
            FloatVector w2 = FloatVector.fromArray(PackedMatrix.S, b, po + 2 * L);
            FloatVector x = FloatVector.broadcast(PackedMatrix.S, u[u0 + k]);
            a0 = w0.fma(x, a0); a1 = w1.fma(x, a1); a2 = w2.fma(x, a2);
            x = FloatVector.broadcast(PackedMatrix.S, u[u1 + k]);
            b0 = w0.fma(x, b0); b1 = w1.fma(x, b1); b2 = w2.fma(x, b2);
            x = FloatVector.broadcast(PackedMatrix.S, u[u2 + k]);
            e0 = w0.fma(x, e0); e1 = w1.fma(x, e1); e2 = w2.fma(x, e2);
            x = FloatVector.broadcast(PackedMatrix.S, u[u3 + k]);
            f0 = w0.fma(x, f0); f1 = w1.fma(x, f1); f2 = w2.fma(x, f2);
        }
        store(a0, a1, a2, c, c0);
        store(b0, b1, b2, c, c0 + ldc);
        store(e0, e1, e2, c, c0 + 2 * ldc);
        store(f0, f1, f2, c, c0 + 3 * ldc);
    }

    /** One row of {@link #addPanel}, the same chains as {@link #add4} gives each of its rows. */
    private void add1(int k0, int k1, int bo, float[] u, int u0, float[] c, int c0) {
        FloatVector a0 = FloatVector.zero(PackedMatrix.S), a1 = a0, a2 = a0;
        for (int k = k0; k < k1; k++) {
            int po = bo + k * NR;
            FloatVector x = FloatVector.broadcast(PackedMatrix.S, u[u0 + k]);
            a0 = FloatVector.fromArray(PackedMatrix.S, b, po).fma(x, a0);
            a1 = FloatVector.fromArray(PackedMatrix.S, b, po + L).fma(x, a1);
            a2 = FloatVector.fromArray(PackedMatrix.S, b, po + 2 * L).fma(x, a2);
        }
        store(a0, a1, a2, c, c0);
    }

    /** {@code c[off..off+NR) += scale * (d0, d1, d2)}. */
    private void store(FloatVector d0, FloatVector d1, FloatVector d2, float[] c, int off) {
        FloatVector s = FloatVector.broadcast(PackedMatrix.S, scale);
        d0.fma(s, FloatVector.fromArray(PackedMatrix.S, c, off)).intoArray(c, off);
        d1.fma(s, FloatVector.fromArray(PackedMatrix.S, c, off + L)).intoArray(c, off + L);
        d2.fma(s, FloatVector.fromArray(PackedMatrix.S, c, off + 2 * L)).intoArray(c, off + 2 * L);
    }
}
