package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * {@code y = x W^T} for {@code x [N, in]} and a weight {@code W [out, in]} (the layout transformers uses), each
 * pass one BLAS product: {@code dx = dy W} ({@link Grad}) and, for a trainable weight, {@code dW = dy^T x}
 * ({@link WeightGrad}). A frozen weight (a constant: a model trained through low-rank adapters) gets no gradient,
 * where SameDiff's matrix product always computes it, a product as large as the forward one and an
 * {@code [out, in]} array per projection. SameDiff M2.1's {@code matmul_bp} for a transposed operand also ran
 * several times slower than the two products it computes (see the README's op profile).
 */
public final class Linear extends JavaOp {
    public static final String OP_NAME = "thinktune_linear";

    private Linear(SameDiff sd, SDVariable x, SDVariable weight) {
        super(sd, x, weight);
    }

    public Linear() {
    }

    /** {@code x W^T}, differentiable in {@code x} and, unless it is a constant, in {@code W}. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable x, SDVariable weight) {
        return new Linear(sd, x, weight).namedOutput(name);
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
        return List.of(new long[]{in.get(0).size(0), in.get(1).size(0)});
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        INDArray x = dense(in.get(0));
        Widened.with(in.get(1), w -> Nd4j.gemm(x, w, out.get(0), false, true, 1.0, 0.0));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        SDVariable dx = new Grad(sameDiff, arg(1), grads.get(0)).outputVariable();
        // a constant weight's gradient is never asked for, so that zerosLike is never run
        SDVariable dw = arg(1).isConstant() ? sameDiff.zerosLike(arg(1))
                : new WeightGrad(sameDiff, arg(0), grads.get(0)).outputVariable();
        return List.of(dx, dw);
    }

    /** {@code dx = dy W}: {@code [N, out] x [out, in]}. */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_linear_bp";

        Grad(SameDiff sd, SDVariable weight, SDVariable dy) {
            super(sd, weight, dy);
        }

        public Grad() {
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
            return List.of(new long[]{in.get(1).size(0), in.get(0).size(1)});
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            INDArray dy = dense(in.get(1));
            Widened.with(in.get(0), w -> Nd4j.gemm(dy, w, out.get(0), false, false, 1.0, 0.0));
        }
    }

    /** {@code dW = dy^T x}: {@code [out, N] x [N, in]}. */
    public static final class WeightGrad extends JavaOp {
        public static final String OP_NAME = "thinktune_linear_bp_weight";

        WeightGrad(SameDiff sd, SDVariable x, SDVariable dy) {
            super(sd, x, dy);
        }

        public WeightGrad() {
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
            return List.of(new long[]{in.get(1).size(1), in.get(0).size(1)});
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            product(in.get(0), in.get(1), out.get(0), 0.0);
        }

        /** {@code out = dy^T x + beta out}: the weight's gradient written ({@code beta} 0) or added ({@code beta} 1). */
        static void product(INDArray x, INDArray dy, INDArray out, double beta) {
            Nd4j.gemm(dense(dy), dense(x), out, true, false, 1.0, beta);
        }
    }
}
