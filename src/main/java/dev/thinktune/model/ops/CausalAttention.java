package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Causal, padding-masked, grouped-query attention in one op: {@code softmax(q k^T + mask) v} for rotated and
 * scaled queries {@code q [N, H, hd]}, rotated keys {@code k [N, KV, hd]}, values {@code v [N, KV, hd]} and the
 * attention mask {@code [B, T]} (1 = token, 0 = padding, left or right; {@code N = B * T}). Query head {@code h}
 * reads key/value head {@code h / (H / KV)}. Key {@code j} is visible to query {@code i} of the same sequence iff
 * {@code j <= i} and {@code mask[j] = 1}. A query that sees no key (left padding before the first token) averages
 * every value of its sequence, as a softmax over the additive bias {@code -1e9} everywhere gives.
 *
 * <p>Outputs: the context {@code [N, H * hd]} and each query's log-sum-exp of its visible scores
 * {@code [B, H, T]}. The probabilities ({@code [B, H, T, T]}, several megabytes per token at real lengths) are
 * never stored: the gradient ({@link Grad}) recomputes them from {@code q}, {@code k} and the log-sum-exp, as
 * FlashAttention does. Both passes work one (sequence, key/value head) at a time, in parallel, with
 * {@code [T, T]} temporaries per task only, and skip the products of the masked upper triangle.
 */
public final class CausalAttention extends JavaOp {
    public static final String OP_NAME = "thinktune_causal_attention";

    private CausalAttention(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, SDVariable mask) {
        super(sd, q, k, v, mask);
    }

    public CausalAttention() {
    }

    /**
     * The context {@code [N, H * hd]}, named {@code name}; the log-sum-exp output is named {@code name + "_lse"}.
     */
    public static SDVariable apply(SameDiff sd, String name, SDVariable q, SDVariable k, SDVariable v,
                                   SDVariable mask) {
        SDVariable[] out = new CausalAttention(sd, q, k, v, mask).outputVariables();
        if (name != null) {
            sd.updateVariableNameAndReference(out[1], name + "_lse");
            return sd.updateVariableNameAndReference(out[0], name);
        }
        return out[0];
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public int getNumOutputs() {
        return 2;
    }

    @Override
    protected List<long[]> outputShapes(List<INDArray> in) {
        Dims d = Dims.of(in);
        return List.of(new long[]{(long) d.b * d.t, (long) d.h * d.hd}, new long[]{d.b, d.h, d.t});
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        Dims d = Dims.of(in);
        FloatBuffer q = Buffers.input(in.get(0)), k = Buffers.input(in.get(1)), v = Buffers.input(in.get(2));
        float[] mask = dense(in.get(3).castTo(DataType.FLOAT)).data().asFloat();
        INDArray context = output(out.get(0)), lse = output(out.get(1));
        FloatBuffer contextOut = Buffers.floats(context), lseOut = Buffers.floats(lse);
        IntStream.range(0, d.b * d.kv).parallel().forEach(task -> new Task(d, task / d.kv, task % d.kv, q, k, v,
                mask).forward(contextOut.duplicate(), lseOut.duplicate()));
        finish(context, out.get(0));
        finish(lse, out.get(1));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        SDVariable[] out = outputVariables();
        SDVariable[] g = new Grad(sameDiff, arg(0), arg(1), arg(2), arg(3), out[0], out[1], grads.get(0))
                .outputVariables();
        return List.of(g[0], g[1], g[2], sameDiff.zerosLike(arg(3)));
    }

    /**
     * dq, dk, dv of {@code sum(dContext * context)}. Inputs: q, k, v, mask, the forward pass's context and
     * log-sum-exp, and the context's gradient {@code [N, H * hd]}.
     */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_causal_attention_bp";

        Grad(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, SDVariable mask, SDVariable context,
             SDVariable lse, SDVariable dContext) {
            super(sd, q, k, v, mask, context, lse, dContext);
        }

        public Grad() {
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        public int getNumOutputs() {
            return 3;
        }

        @Override
        protected List<long[]> outputShapes(List<INDArray> in) {
            return List.of(in.get(0).shape(), in.get(1).shape(), in.get(2).shape());
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            Dims d = Dims.of(in);
            FloatBuffer q = Buffers.input(in.get(0)), k = Buffers.input(in.get(1)), v = Buffers.input(in.get(2));
            float[] mask = dense(in.get(3).castTo(DataType.FLOAT)).data().asFloat();
            FloatBuffer context = Buffers.input(in.get(4)), lse = Buffers.input(in.get(5)),
                    dContext = Buffers.input(in.get(6));
            INDArray dq = output(out.get(0)), dk = output(out.get(1)), dv = output(out.get(2));
            FloatBuffer dqOut = Buffers.floats(dq), dkOut = Buffers.floats(dk), dvOut = Buffers.floats(dv);
            IntStream.range(0, d.b * d.kv).parallel().forEach(task ->
                    new Task(d, task / d.kv, task % d.kv, q, k, v, mask).backward(context.duplicate(),
                            lse.duplicate(), dContext.duplicate(), dqOut.duplicate(), dkOut.duplicate(),
                            dvOut.duplicate()));
            finish(dq, out.get(0));
            finish(dk, out.get(1));
            finish(dv, out.get(2));
        }
    }

    /** The shapes, read from q [N, H, hd], k [N, KV, hd] and the mask [B, T]. */
    record Dims(int b, int t, int h, int kv, int hd) {
        static Dims of(List<INDArray> in) {
            INDArray q = in.get(0), k = in.get(1), v = in.get(2), mask = in.get(3);
            if (q.rank() != 3 || k.rank() != 3 || mask.rank() != 2) {
                throw new IllegalArgumentException("causal attention: expected q [N, H, hd], k and v [N, KV, hd] "
                        + "and mask [B, T], got q " + q.shapeInfoToString() + ", k " + k.shapeInfoToString()
                        + ", mask " + mask.shapeInfoToString());
            }
            Dims d = new Dims((int) mask.size(0), (int) mask.size(1), (int) q.size(1), (int) k.size(1),
                    (int) q.size(2));
            long n = (long) d.b * d.t;
            if (q.size(0) != n || k.size(0) != n || !java.util.Arrays.equals(k.shape(), v.shape())
                    || k.size(2) != d.hd || d.h % d.kv != 0) {
                throw new IllegalArgumentException("causal attention: q " + java.util.Arrays.toString(q.shape())
                        + ", k " + java.util.Arrays.toString(k.shape()) + ", v " + java.util.Arrays.toString(v.shape())
                        + " do not fit the mask's " + d.b + " x " + d.t + " positions with a whole number of "
                        + "query heads per key/value head");
            }
            return d;
        }

        int group() {
            return h / kv;
        }
    }

    /** One (sequence, key/value head): its query heads' attention, forward or backward, in scratch arrays. */
    private static final class Task {
        private final Dims d;
        private final int b, kv, t, hd, hdp, tp;
        private final FloatBuffer q, k, v;
        private final Scratch scratch = SCRATCH.get();
        /** The first token of the sequence (T when none): queries before it see no key. */
        private final int first;
        private final boolean[] token;
        /** 0 for a token's key, -inf for padding and the columns past T. */
        private final float[] keyBias;

        Task(Dims d, int b, int kv, FloatBuffer q, FloatBuffer k, FloatBuffer v, float[] mask) {
            this.d = d;
            this.b = b;
            this.kv = kv;
            this.t = d.t;
            this.hd = d.hd;
            this.hdp = RowBlockProduct.padded(hd);
            this.tp = RowBlockProduct.paddedBlock(t);
            this.q = q.duplicate();
            this.k = k.duplicate();
            this.v = v.duplicate();
            this.token = new boolean[t];
            int f = t;
            for (int j = t - 1; j >= 0; j--) {
                token[j] = mask[b * t + j] > 0.5f;
                if (token[j]) {
                    f = j;
                }
            }
            this.first = f;
            this.keyBias = new float[tp];
            for (int j = 0; j < tp; j++) {
                keyBias[j] = j < t && token[j] ? 0f : Float.NEGATIVE_INFINITY;
            }
        }

        /** Offset of (position i, head h) in an [N, heads, hd] array. */
        private int at(int i, int heads, int head) {
            return ((b * t + i) * heads + head) * hd;
        }

        /**
         * The columns (keys) the products of row i's row block cover: at least to the block's last row, rounded up
         * to the products' column step. Columns past a row's own position are masked.
         */
        private int width(int i) {
            int blockEnd = Math.min(t, (i / RowBlockProduct.ROWS + 1) * RowBlockProduct.ROWS);
            return Math.min(tp, RowBlockProduct.paddedBlock(blockEnd));
        }

        /** Rows [T, hdp] of head {@code head} of an [N, heads, hd] array, zero-padded, in scratch {@code slot}. */
        private float[] rows(FloatBuffer src, int heads, int head, int slot) {
            float[] out = scratch.zeroed(slot, t * hdp);
            for (int i = 0; i < t; i++) {
                src.get(at(i, heads, head), out, i * hdp, hd);
            }
            return out;
        }

        /** The transpose [hd, tp] of rows [T, hdp], zero-padded, in scratch {@code slot}. */
        private float[] transpose(float[] rows, int slot) {
            float[] out = scratch.zeroed(slot, hd * tp);
            for (int i0 = 0; i0 < t; i0 += 16) {              // in tiles of 16 positions: both sides stay cached
                int i1 = Math.min(t, i0 + 16);
                for (int c = 0; c < hd; c++) {
                    for (int i = i0; i < i1; i++) {
                        out[c * tp + i] = rows[i * hdp + c];
                    }
                }
            }
            return out;
        }

        /** Rows [T, hdp] of head {@code head} into an [N, heads, hd] array. */
        private void put(float[] rows, FloatBuffer dst, int heads, int head) {
            for (int i = 0; i < t; i++) {
                dst.put(at(i, heads, head), rows, i * hdp, hd);
            }
        }

        /**
         * The probabilities of query head {@code h} into {@code p [T, tp]}: scores {@code q_h k^T} per row block
         * up to its causal limit, then {@code exp(s - lse)} where visible, 0 elsewhere (and on queries that see
         * no key). {@code known}: the row log-sum-exps {@code lse [T]} are read, else computed and written.
         */
        private void probabilities(float[] qh, float[] kt, float[] p, float[] lse, boolean known) {
            for (int i0 = 0; i0 < t; i0 += RowBlockProduct.ROWS) {
                int rows = Math.min(RowBlockProduct.ROWS, t - i0);
                RowBlockProduct.multiply(qh, i0 * hdp, hdp, 1, kt, 0, tp, p, i0 * tp, tp, rows, width(i0), 0, hd,
                        false);
            }
            for (int i = 0; i < t; i++) {
                int row = i * tp, width = width(i);
                if (i < first) {
                    java.util.Arrays.fill(p, row, row + width, 0f);
                    if (!known) {
                        lse[i] = (float) Math.log(t);
                    }
                    continue;
                }
                int seen = RowBlockProduct.padded(i + 1);                        // the vectors up to key i
                RowKernels.add(p, row, keyBias, seen);
                java.util.Arrays.fill(p, row + i + 1, row + seen, Float.NEGATIVE_INFINITY);
                if (known) {
                    RowKernels.expShifted(p, row, seen, lse[i]);
                } else {
                    float max = RowKernels.max(p, row, seen);
                    double sum = RowKernels.expShifted(p, row, seen, max);
                    RowKernels.scale(p, row, seen, (float) (1 / sum));
                    lse[i] = (float) (max + Math.log(sum));
                }
                java.util.Arrays.fill(p, row + seen, row + width, 0f);
            }
        }

        void forward(FloatBuffer context, FloatBuffer lseOut) {
            float[] kt = transpose(rows(k, d.kv, kv, 0), 1), vp = rows(v, d.kv, kv, 2);
            float[] p = scratch.any(3, t * tp), o = scratch.zeroed(4, t * hdp), lse = scratch.zeroed(5, t);
            for (int g = 0; g < d.group(); g++) {
                int h = kv * d.group() + g;
                probabilities(rows(q, d.h, h, 6), kt, p, lse, false);
                lseOut.put((b * d.h + h) * t, lse, 0, t);
                for (int i0 = 0; i0 < t; i0 += RowBlockProduct.ROWS) {
                    int rows = Math.min(RowBlockProduct.ROWS, t - i0);
                    RowBlockProduct.multiply(p, i0 * tp, tp, 1, vp, 0, hdp, o, i0 * hdp, hdp, rows, hdp, 0,
                            i0 + rows, false);
                }
                if (first > 0) {
                    float[] mean = new float[hd];
                    for (int j = 0; j < t; j++) {
                        for (int c = 0; c < hd; c++) {
                            mean[c] += vp[j * hdp + c];
                        }
                    }
                    for (int i = 0; i < first; i++) {
                        for (int c = 0; c < hd; c++) {
                            o[i * hdp + c] = mean[c] / t;
                        }
                    }
                }
                put(o, context, d.h, h);
            }
        }

        void backward(FloatBuffer context, FloatBuffer lseIn, FloatBuffer dContext, FloatBuffer dq, FloatBuffer dk,
                      FloatBuffer dv) {
            float[] kp = rows(k, d.kv, kv, 0), vp = rows(v, d.kv, kv, 1);
            float[] kt = transpose(kp, 2), vt = transpose(vp, 3);
            float[] p = scratch.any(4, t * tp), ds = scratch.any(5, t * tp);
            float[] dkAcc = scratch.zeroed(6, t * hdp), dvAcc = scratch.zeroed(7, t * hdp);
            float[] dqh = scratch.zeroed(8, t * hdp), lse = scratch.zeroed(9, t), rowDot = scratch.zeroed(10, t);
            for (int g = 0; g < d.group(); g++) {
                int h = kv * d.group() + g;
                float[] qh = rows(q, d.h, h, 11), doh = rows(dContext, d.h, h, 12), oh = rows(context, d.h, h, 13);
                lseIn.get((b * d.h + h) * t, lse, 0, t);
                probabilities(qh, kt, p, lse, true);
                for (int i0 = 0; i0 < t; i0 += RowBlockProduct.ROWS) {           // dP = dO V^T
                    int rows = Math.min(RowBlockProduct.ROWS, t - i0);
                    RowBlockProduct.multiply(doh, i0 * hdp, hdp, 1, vt, 0, tp, ds, i0 * tp, tp, rows, width(i0), 0, hd,
                            false);
                }
                for (int i = 0; i < t; i++) {                                     // D_i = dO_i . O_i
                    float s = 0;
                    for (int c = 0; c < hd; c++) {
                        s += doh[i * hdp + c] * oh[i * hdp + c];
                    }
                    rowDot[i] = s;
                }
                for (int i = 0; i < t; i++) {                                     // dS = P (dP - D)
                    RowKernels.softmaxGradient(p, ds, i * tp, width(i), rowDot[i]);
                }
                for (int j0 = 0; j0 < t; j0 += RowBlockProduct.ROWS) {           // dV += P^T dO, dK += dS^T Q
                    int rows = Math.min(RowBlockProduct.ROWS, t - j0);
                    RowBlockProduct.multiply(p, j0, 1, tp, doh, 0, hdp, dvAcc, j0 * hdp, hdp, rows, hdp, j0, t,
                            true);
                    RowBlockProduct.multiply(ds, j0, 1, tp, qh, 0, hdp, dkAcc, j0 * hdp, hdp, rows, hdp, j0, t,
                            true);
                }
                for (int i0 = 0; i0 < t; i0 += RowBlockProduct.ROWS) {           // dQ = dS K
                    int rows = Math.min(RowBlockProduct.ROWS, t - i0);
                    RowBlockProduct.multiply(ds, i0 * tp, tp, 1, kp, 0, hdp, dqh, i0 * hdp, hdp, rows, hdp, 0,
                            i0 + rows, false);
                }
                unseeing(qh, doh, rowDot, kp, vp, dqh, dkAcc, dvAcc);
                put(dqh, dq, d.h, h);
            }
            put(dkAcc, dk, d.kv, kv);
            put(dvAcc, dv, d.kv, kv);
        }

        /**
         * The gradient through the queries that see no key: their probabilities are 1/T over every key of the
         * sequence, so {@code dS_ij = (dO_i . v_j - D_i) / T}, {@code dv_j += dO_i / T}, {@code dq_i = sum dS_ij k_j},
         * {@code dk_j += dS_ij q_i}.
         */
        private void unseeing(float[] qh, float[] doh, float[] rowDot, float[] kp, float[] vp, float[] dqh,
                              float[] dkAcc, float[] dvAcc) {
            for (int i = 0; i < first; i++) {
                int ri = i * hdp;
                for (int j = 0; j < t; j++) {
                    int rj = j * hdp;
                    float dot = 0;
                    for (int c = 0; c < hd; c++) {
                        dot += doh[ri + c] * vp[rj + c];
                    }
                    float dsij = (dot - rowDot[i]) / t;
                    for (int c = 0; c < hd; c++) {
                        dvAcc[rj + c] += doh[ri + c] / t;
                        dqh[ri + c] += dsij * kp[rj + c];
                        dkAcc[rj + c] += dsij * qh[ri + c];
                    }
                }
            }
        }
    }

    /** {@code target} when the op can write it in place (dense), else a dense array to copy into it after. */
    private static INDArray output(INDArray target) {
        return isDense(target) ? target : Nd4j.createUninitialized(DataType.FLOAT, target.shape());
    }

    /** Copies {@code written} into {@code target} when {@link #output} gave a separate array. */
    private static void finish(INDArray written, INDArray target) {
        if (written != target) {
            target.assign(written);
        }
    }

    /** Per-thread scratch arrays in numbered slots, reused from call to call (the op makes no garbage per call). */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        private float[][] slots = new float[16][0];

        /** Slot {@code slot} with at least {@code n} floats, contents unspecified. */
        float[] any(int slot, int n) {
            if (slots[slot].length < n) {
                slots[slot] = new float[n];
            }
            return slots[slot];
        }

        /** Slot {@code slot} with at least {@code n} floats, the first {@code n} zero. */
        float[] zeroed(int slot, int n) {
            float[] a = any(slot, n);
            java.util.Arrays.fill(a, 0, n, 0f);
            return a;
        }
    }
}
