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
    /** Row stride of u: {@link #a}'s padded output width. */
    final int ldU;
    /** The stacked A, {@code [rank, in]}. */
    final F32Matrix a;
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
        this.a = new F32Matrix(rank, base.in);
        this.ldU = a.paddedOut();
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
        return a.bytes() + 4L * b.length;
    }

    /**
     * Copies the adapters' current A and B values from {@code source} (float32 arrays by adapter tensor name),
     * using {@code scratch} of at least {@code NR * in} floats.
     */
    void load(WeightSource source, float[] scratch) {
        int r = rank / modules.size();
        int in = a.in;
        for (int p = 0; p < a.panels; p++) {
            for (int w = 0; w < NR; w++) {
                int k = p * NR + w;
                if (k < rank) {
                    source.floats(modules.get(k / r) + LoraAdapters.A, k % r, 1, scratch, w * in);
                } else {
                    Arrays.fill(scratch, w * in, (w + 1) * in, 0f);
                }
            }
            a.putPanel(p, scratch);
        }
        Arrays.fill(b, 0f);
        for (int p = 0; p < base.panels; p++) {
            for (int w = 0; w < NR; w++) {
                int row = p * NR + w;
                int m = rowModule[row];
                if (m < 0) {
                    continue;
                }
                source.floats(modules.get(m) + LoraAdapters.B, rowIndex[row], 1, scratch, 0);
                for (int j = 0; j < r; j++) {
                    b[offset[p] + (rankOffset[m] + j - from[p]) * NR + w] = scratch[j];
                }
            }
        }
    }

    /** {@code u[r, 0..rank) = x[r, 0..in) · Aᵀ} for rows {@code r < rows} (row r of x at {@code xOff + r*ldx}). */
    void project(float[] x, int xOff, int ldx, int rows, float[] u, int uOff) {
        for (int p = 0; p < a.panels; p++) {
            a.multiplyPanel(p, x, xOff, ldx, rows, u, uOff + p * NR, ldU, false);
        }
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
        FloatVector s = FloatVector.broadcast(PackedMatrix.S, scale);
        int bo = offset[p] - k0 * NR;
        for (int r = 0; r < rows; r++) {
            int uo = uOff + r * ldU;
            FloatVector d0 = FloatVector.zero(PackedMatrix.S);
            FloatVector d1 = d0;
            FloatVector d2 = d0;
            for (int k = k0; k < k1; k++) {
                int po = bo + k * NR;
                FloatVector x = FloatVector.broadcast(PackedMatrix.S, u[uo + k]);
                d0 = FloatVector.fromArray(PackedMatrix.S, b, po).fma(x, d0);
                d1 = FloatVector.fromArray(PackedMatrix.S, b, po + L).fma(x, d1);
                d2 = FloatVector.fromArray(PackedMatrix.S, b, po + 2 * L).fma(x, d2);
            }
            int co = cOff + r * ldc;
            d0.fma(s, FloatVector.fromArray(PackedMatrix.S, c, co)).intoArray(c, co);
            d1.fma(s, FloatVector.fromArray(PackedMatrix.S, c, co + L)).intoArray(c, co + L);
            d2.fma(s, FloatVector.fromArray(PackedMatrix.S, c, co + 2 * L)).intoArray(c, co + 2 * L);
        }
    }
}
