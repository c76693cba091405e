package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * The head's log-probability of each position's target token, a chunk of positions at a time:
 * {@code logp[n] = (h W^T)[n, t[n]] - logsumexp((h W^T)[n, :])} for hidden states {@code h [N, D]}, the head
 * {@code W [V, D]} and targets {@code t [N]}, giving {@code [N]}.
 *
 * <p>Only one {@code [chunk, V]} block of logits exists at a time ({@link #CHUNK_BYTES} at most), as in fused
 * linear-cross-entropy kernels, instead of the {@code [N, V]} logits, their log-softmax, a one-hot of the targets
 * and the gradients of each. The gradient ({@link Grad}) recomputes each block of logits:
 * {@code dlogits = g (onehot(t) - softmax)}, {@code dh = dlogits W}, {@code dW = sum over blocks of dlogits^T h}.
 */
public final class TokenLogprobs extends JavaOp {
    public static final String OP_NAME = "thinktune_token_logprobs";
    /** The largest block of logits held at once: 64 MiB of float32. */
    public static final long CHUNK_BYTES = 64L << 20;

    private TokenLogprobs(SameDiff sd, SDVariable hidden, SDVariable head, SDVariable targets, int blockRows) {
        super(sd, hidden, head, targets);
        addIArgument(blockRows);
    }

    public TokenLogprobs() {
    }

    /** log p(targets[n] | hidden[n]) {@code [N]} under the head {@code [V, D]}, in blocks of {@link #CHUNK_BYTES}. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable hidden, SDVariable head, SDVariable targets) {
        return apply(sd, name, hidden, head, targets, 0);
    }

    /** As {@link #apply(SameDiff, String, SDVariable, SDVariable, SDVariable)} with at most {@code blockRows}
     * positions per block (0: as many as fit {@link #CHUNK_BYTES}). */
    public static SDVariable apply(SameDiff sd, String name, SDVariable hidden, SDVariable head, SDVariable targets,
                                   int blockRows) {
        return new TokenLogprobs(sd, hidden, head, targets, blockRows).namedOutput(name);
    }

    /** Positions per block: {@code blockRows} if set, else as many as fit {@link #CHUNK_BYTES} at {@code vocab}. */
    static int chunkRows(long positions, long vocab, long blockRows) {
        long rows = blockRows > 0 ? blockRows : Math.max(1, CHUNK_BYTES / (4 * vocab));
        return (int) Math.max(1, Math.min(positions, rows));
    }

    /** The block size this op was built with (0: automatic). */
    private static long blockRows(JavaOp op) {
        return op.numIArguments() > 0 ? op.getIArgument(0) : 0;
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    protected List<long[]> outputShapes(List<INDArray> in) {
        return List.of(new long[]{in.get(0).size(0)});
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        INDArray h = in.get(0), w = in.get(1);
        int[] targets = ids(in.get(2), w.size(0), "token log-probabilities");
        float[] logp = new float[targets.length];
        new Blocks(h, w, targets, blockRows(this)).forEach((start, block, lse, picked) -> {
            for (int r = 0; r < lse.length; r++) {
                logp[start + r] = picked[r] - lse[r];
            }
        }, null);
        out.get(0).assign(Nd4j.createFromArray(logp));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        if (arg(1).isConstant()) {
            // a frozen head (a model trained through adapters): no [V, D] gradient is computed or held
            SDVariable dh = new HiddenGrad(sameDiff, arg(0), arg(1), arg(2), grads.get(0), (int) blockRows(this))
                    .outputVariable();
            return List.of(dh, sameDiff.zerosLike(arg(1)), sameDiff.zerosLike(arg(2)));
        }
        SDVariable[] g = new Grad(sameDiff, arg(0), arg(1), arg(2), grads.get(0), (int) blockRows(this))
                .outputVariables();
        return List.of(g[0], g[1], sameDiff.zerosLike(arg(2)));
    }

    /**
     * dh [N, D] and dW [V, D] of {@code sum_n g[n] logp[n]}; with a {@linkplain GradientTargets target} for the head,
     * dW is added into the target and the second output is a zero.
     */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_token_logprobs_bp";

        Grad(SameDiff sd, SDVariable hidden, SDVariable head, SDVariable targets, SDVariable grad, int blockRows) {
            super(sd, hidden, head, targets, grad);
            addIArgument(blockRows);
        }

        public Grad() {
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
            return List.of(in.get(0).shape(), GradientTargets.shape(arg(1), in.get(1).shape()));
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            backward(in, out.get(0), GradientTargets.sumInto(arg(1), out.get(1)), blockRows(this));
        }
    }

    /** dh [N, D] of {@code sum_n g[n] logp[n]} alone, for a frozen head. */
    public static final class HiddenGrad extends JavaOp {
        public static final String OP_NAME = "thinktune_token_logprobs_hidden_bp";

        HiddenGrad(SameDiff sd, SDVariable hidden, SDVariable head, SDVariable targets, SDVariable grad,
                   int blockRows) {
            super(sd, hidden, head, targets, grad);
            addIArgument(blockRows);
        }

        public HiddenGrad() {
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        public int getNumOutputs() {
            return 1;
        }

        @Override
        protected List<long[]> outputShapes(List<INDArray> in) {
            return List.of(in.get(0).shape());
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            backward(in, out.get(0), null, blockRows(this));
        }
    }

    /**
     * dh of {@code sum_n g[n] logp[n]} from the op's inputs (hidden, head, targets, g), a block of logits at a time,
     * and dW added into {@code dw} when that is not null.
     */
    private static void backward(List<INDArray> in, INDArray dh, INDArray dw, long blockRows) {
        INDArray h = in.get(0), w = in.get(1);
        int[] targets = ids(in.get(2), w.size(0), "token log-probabilities gradient");
        float[] g = dense(in.get(3)).data().asFloat();
        new Blocks(h, w, targets, blockRows).forEach((start, dlogits, lse, picked) -> {
            int c = lse.length;
            INDArray dhc = dh.get(NDArrayIndex.interval(start, start + c), NDArrayIndex.all());
            hiddenGrad(dlogits, w, dhc);                                    // dh = dlogits W       [c, D]
            if (dw != null) {
                INDArray hc = h.get(NDArrayIndex.interval(start, start + c), NDArrayIndex.all());
                Nd4j.gemm(dlogits, hc, dw, true, false, 1.0, 1.0);          // dW += dlogits^T h    [V, D]
            }
        }, g);
    }

    /** Rows of a frozen bfloat16 head widened at a time (64 MiB of float32 at Llama 3's width). */
    public static final int HEAD_ROWS = 8192;

    /** {@code logits [c, V] = h W^T}; a bfloat16 head is widened {@link #HEAD_ROWS} rows at a time. */
    private static void logits(INDArray hc, INDArray w, INDArray logits) {
        if (w.dataType() == DataType.FLOAT) {
            Nd4j.gemm(hc, w, logits, false, true, 1.0, 0.0);
            return;
        }
        long v = w.size(0);
        for (long v0 = 0; v0 < v; v0 += HEAD_ROWS) {
            long v1 = Math.min(v, v0 + HEAD_ROWS);
            try (INDArray part = Nd4j.createUninitialized(DataType.FLOAT, hc.size(0), v1 - v0)) {
                Widened.with(w.get(NDArrayIndex.interval(v0, v1), NDArrayIndex.all()),
                        rows -> Nd4j.gemm(hc, rows, part, false, true, 1.0, 0.0));
                logits.get(NDArrayIndex.all(), NDArrayIndex.interval(v0, v1)).assign(part);
            }
        }
    }

    /** {@code dh [c, D] = dlogits W}; a bfloat16 head is widened {@link #HEAD_ROWS} rows at a time. */
    private static void hiddenGrad(INDArray dlogits, INDArray w, INDArray dh) {
        if (w.dataType() == DataType.FLOAT) {
            Nd4j.gemm(dlogits, w, dh, false, false, 1.0, 0.0);
            return;
        }
        long v = w.size(0);
        for (long v0 = 0; v0 < v; v0 += HEAD_ROWS) {
            long v1 = Math.min(v, v0 + HEAD_ROWS);
            double beta = v0 == 0 ? 0.0 : 1.0;
            try (INDArray part = dlogits.get(NDArrayIndex.all(), NDArrayIndex.interval(v0, v1)).dup('c')) {
                Widened.with(w.get(NDArrayIndex.interval(v0, v1), NDArrayIndex.all()),
                        rows -> Nd4j.gemm(part, rows, dh, false, false, 1.0, beta));
            }
        }
    }

    /** What is done with each block: its first position, its block [c, V], log-sum-exps and target logits. */
    private interface BlockAction {
        void apply(int start, INDArray block, float[] lse, float[] picked);
    }

    /** The head's logits a block of positions at a time, in one reused buffer. */
    private static final class Blocks {
        private final INDArray h, w;
        private final int[] targets;
        private final int rows;
        private final long vocab;

        Blocks(INDArray h, INDArray w, int[] targets, long blockRows) {
            this.h = h;
            this.w = w;
            this.targets = targets;
            this.vocab = w.size(0);
            this.rows = chunkRows(targets.length, vocab, blockRows);
        }

        /**
         * Calls {@code action} per block with each row's log-sum-exp and target logit, and the block itself: with
         * {@code g} the gradient of the logits, {@code g[n] (onehot(t[n]) - softmax)}, else unspecified scratch.
         * The block is reused: read it inside the call only. Each row's maximum, exponentials and sum are one
         * Vector API pass over a per-thread copy of the row, rows in parallel ({@link RowBlocks}).
         */
        void forEach(BlockAction action, float[] g) {
            int n = targets.length;
            if (n == 0) {
                return;
            }
            int v = Math.toIntExact(vocab), padded = RowBlockProduct.padded(v);
            try (INDArray buffer = Nd4j.createUninitialized(DataType.FLOAT, rows, vocab)) {
                FloatBuffer all = Buffers.floats(buffer);
                for (int start = 0; start < n; start += rows) {
                    int c = Math.min(rows, n - start), first = start;
                    INDArray logits = c == rows ? buffer : buffer.get(NDArrayIndex.interval(0, c), NDArrayIndex.all());
                    INDArray hc = h.get(NDArrayIndex.interval(start, start + c), NDArrayIndex.all());
                    logits(hc, w, logits);                                          // [c, V]
                    float[] picked = new float[c], lse = new float[c];
                    RowBlocks.forEach(c, (block, r0, count) -> {
                        float[] x = RowBlocks.scratch(0, padded);
                        for (int r = r0; r < r0 + count; r++) {
                            int t = targets[first + r];
                            all.get(r * v, x, 0, v);
                            java.util.Arrays.fill(x, v, padded, Float.NEGATIVE_INFINITY);   // e^-inf: 0
                            picked[r] = x[t];
                            float max = RowKernels.max(x, 0, padded);
                            double sum = RowKernels.expShifted(x, 0, padded, max);     // exp(logits - max)
                            lse[r] = max + (float) Math.log(sum);
                            if (g != null) {
                                float gr = g[first + r];
                                RowKernels.scale(x, 0, padded, (float) (-gr / sum));
                                x[t] += gr;
                                all.put(r * v, x, 0, v);
                            }
                        }
                    });
                    action.apply(start, logits, lse, picked);
                }
            }
        }
    }
}
