package dev.thinktune.model.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Llama's gated MLP activation {@code silu(gate) * up} ({@code silu(g) = g sigmoid(g)}) over {@code [N, F]} in one
 * pass, and its gradient ({@link Grad}) in one more: {@code dgate = dy up s (1 + g (1 - s))},
 * {@code dup = dy g s} with {@code s = sigmoid(g)}. SameDiff's swish, its derivative and the product with their
 * gradients were five passes over {@code [N, F]}. The exponential is {@link RowKernels#exp} (IEEE-exact
 * operations), so a run gives the same bits compiled or interpreted.
 */
public final class SwiGlu extends JavaOp {
    public static final String OP_NAME = "thinktune_swiglu";
    private static final VectorSpecies<Float> S = RowBlockProduct.S;

    private SwiGlu(SameDiff sd, SDVariable gate, SDVariable up) {
        super(sd, gate, up);
    }

    public SwiGlu() {
    }

    /** {@code silu(gate) * up}, named {@code name}. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable gate, SDVariable up) {
        return new SwiGlu(sd, gate, up).namedOutput(name);
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
        INDArray gate = dense(in.get(0));
        int f = (int) gate.size(1);
        FloatBuffer gs = Buffers.floats(gate), us = Buffers.input(in.get(1)), ys = Buffers.floats(out.get(0));
        RowBlocks.forEach(gate.size(0), (block, first, count) -> {
            int n = count * f;
            float[] g = RowBlocks.read(gs, first * f, n, 0);
            float[] u = RowBlocks.read(us, first * f, n, 1);
            int j = 0;
            for (int bound = S.loopBound(n); j < bound; j += S.length()) {
                FloatVector gv = FloatVector.fromArray(S, g, j);
                gv.mul(sigmoid(gv)).mul(FloatVector.fromArray(S, u, j)).intoArray(g, j);
            }
            for (; j < n; j++) {
                g[j] = g[j] * sigmoid(g[j]) * u[j];
            }
            ys.put(first * f, g, 0, n);
        });
        Reference.reachabilityFence(gate); // a copy is read through its raw view only
    }

    /** {@code 1 / (1 + e^-g)} lane-wise. */
    static FloatVector sigmoid(FloatVector g) {
        return FloatVector.broadcast(S, 1f).div(RowKernels.exp(g.neg()).add(1f));
    }

    /** {@code 1 / (1 + e^-g)}, with the vector kernel's exponential (the tails agree with the vector lanes). */
    static float sigmoid(float g) {
        return sigmoid(FloatVector.broadcast(S, g)).lane(0);
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        return List.of(new Grad(sameDiff, arg(0), arg(1), grads.get(0)).outputVariables());
    }

    /** {@code dgate} and {@code dup} from {@code gate}, {@code up} and {@code dy}. */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_swiglu_bp";

        Grad(SameDiff sd, SDVariable gate, SDVariable up, SDVariable dy) {
            super(sd, gate, up, dy);
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
            return List.of(in.get(0).shape(), in.get(1).shape());
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            INDArray gate = dense(in.get(0));
            int f = (int) gate.size(1);
            FloatBuffer gs = Buffers.floats(gate), us = Buffers.input(in.get(1)),
                    dys = Buffers.input(in.get(2)), dgs = Buffers.floats(out.get(0)),
                    dus = Buffers.floats(out.get(1));
            RowBlocks.forEach(gate.size(0), (block, first, count) -> {
                int n = count * f;
                float[] g = RowBlocks.read(gs, first * f, n, 0);
                float[] u = RowBlocks.read(us, first * f, n, 1);
                float[] dy = RowBlocks.read(dys, first * f, n, 2);
                int j = 0;
                for (int bound = S.loopBound(n); j < bound; j += S.length()) {
                    FloatVector gv = FloatVector.fromArray(S, g, j), dyv = FloatVector.fromArray(S, dy, j);
                    FloatVector s = sigmoid(gv);
                    FloatVector du = dyv.mul(gv.mul(s));
                    FloatVector dg = dyv.mul(FloatVector.fromArray(S, u, j)).mul(s)
                            .mul(gv.mul(s.neg().add(1f)).add(1f));
                    dg.intoArray(g, j);
                    du.intoArray(u, j);
                }
                for (; j < n; j++) {
                    float s = sigmoid(g[j]);
                    float du = dy[j] * (g[j] * s);
                    g[j] = dy[j] * u[j] * s * (g[j] * (1 - s) + 1);
                    u[j] = du;
                }
                dgs.put(first * f, g, 0, n);
                dus.put(first * f, u, 0, n);
            });
            Reference.reachabilityFence(gate); // a copy is read through its raw view only
        }
    }
}
