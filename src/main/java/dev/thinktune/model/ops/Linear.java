package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * {@code y = x W^T} for {@code x [N, in]} and a frozen weight {@code W [out, in]} (the layout transformers
 * uses), whose gradient ({@link Grad}) is {@code dx = dy W} alone. SameDiff's matrix product always computes the
 * weight's gradient as well, a product as large as the forward one and an {@code [out, in]} array per projection,
 * which a model trained through low-rank adapters never uses.
 */
public final class FrozenLinear extends JavaOp {
    public static final String OP_NAME = "thinktune_frozen_linear";

    private FrozenLinear(SameDiff sd, SDVariable x, SDVariable weight) {
        super(sd, x, weight);
    }

    public FrozenLinear() {
    }

    /** {@code x W^T}, differentiable in {@code x} only. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable x, SDVariable weight) {
        return new FrozenLinear(sd, x, weight).namedOutput(name);
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
        // the weight's gradient is never asked for (it is a constant), so this op is never run
        return List.of(dx, sameDiff.zerosLike(arg(1)));
    }

    /** {@code dx = dy W}: {@code [N, out] x [out, in]}. */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_frozen_linear_bp";

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
}
