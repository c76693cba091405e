package dev.thinktune.model.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Llama's RMSNorm of each row of {@code x [N, D]}: {@code y = (x r) w} with {@code r = 1 / sqrt(mean(x^2) + eps)}
 * and the weight {@code w [D]}, as transformers' LlamaRMSNorm computes it, in one pass; the second output is
 * {@code r [N]}, which the gradient ({@link Grad}) reuses. Built from SameDiff's ops it was nine ops forward and
 * their gradients (a square, a mean, an add, an rsqrt, an outer product with the weight and a product, each
 * over {@code [N, D]} or {@code [N, 1]}).
 */
public final class RmsNorm extends JavaOp {
    public static final String OP_NAME = "thinktune_rms_norm";
    private static final VectorSpecies<Float> S = RowBlockProduct.S;

    private RmsNorm(SameDiff sd, SDVariable x, SDVariable weight, SDVariable eps) {
        super(sd, x, weight, eps);
    }

    public RmsNorm() {
    }

    /** RMSNorm of the rows of {@code x [N, D]} with {@code weight [D]}; the output is named {@code name}. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable x, SDVariable weight, double eps) {
        SDVariable e = sd.constant(Nd4j.scalar((float) eps));
        return new RmsNorm(sd, x, weight, e).namedOutput(name);
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
        long[] x = in.get(0).shape();
        return List.of(x, new long[]{x[0]});
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        INDArray x = dense(in.get(0));
        int d = (int) x.size(1);
        float[] w = RowBlocks.floatsOf(in.get(1));
        float eps = in.get(2).getFloat(0);
        FloatBuffer xs = Buffers.floats(x), ys = Buffers.floats(out.get(0)), rs = Buffers.floats(out.get(1));
        RowBlocks.forEach(x.size(0), (block, first, count) -> {
            float[] rows = RowBlocks.read(xs, first * d, count * d, 0);
            for (int i = 0; i < count; i++) {
                int o = i * d;
                float r = inverseRms(rows, o, d, eps);
                rs.put(first + i, r);
                int j = 0;
                for (int bound = S.loopBound(d); j < bound; j += S.length()) {
                    FloatVector.fromArray(S, rows, o + j).mul(r).mul(FloatVector.fromArray(S, w, j))
                            .intoArray(rows, o + j);
                }
                for (; j < d; j++) {
                    rows[o + j] = rows[o + j] * r * w[j];
                }
            }
            ys.put(first * d, rows, 0, count * d);
        });
        Reference.reachabilityFence(x); // a copy is read through its raw view only
    }

    /** {@code 1 / sqrt(mean(x[o, o + d)^2) + eps)}. */
    static float inverseRms(float[] x, int o, int d, float eps) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(d); j < bound; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            acc = v.fma(v, acc);
        }
        double sum = RowKernels.sumLanes(acc);
        for (; j < d; j++) {
            sum += x[o + j] * x[o + j];
        }
        return (float) (1 / Math.sqrt((float) (sum / d) + eps));
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        SDVariable[] d = new Grad(sameDiff, arg(0), arg(1), outputVariables()[1], grads.get(0)).outputVariables();
        // a constant weight's (a frozen norm's) gradient is never asked for
        return List.of(d[0], arg(1).isConstant() ? sameDiff.zerosLike(arg(1)) : d[1], sameDiff.zerosLike(arg(2)));
    }

    /**
     * {@code dx = r (dy w) - x r^3 sum(dy w x) / D} and {@code dw = sum over rows of dy x r}, from {@code x},
     * {@code w}, the forward pass's {@code r} and {@code dy}.
     */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_rms_norm_bp";

        Grad(SameDiff sd, SDVariable x, SDVariable weight, SDVariable r, SDVariable dy) {
            super(sd, x, weight, r, dy);
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
            return List.of(in.get(0).shape(), new long[]{in.get(0).size(1)});
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            INDArray x = dense(in.get(0));
            int d = (int) x.size(1);
            long n = x.size(0);
            float[] w = RowBlocks.floatsOf(in.get(1));
            float[] r = dense(in.get(2)).data().asFloat();
            FloatBuffer xs = Buffers.floats(x), dys = Buffers.input(in.get(3)), dxs = Buffers.floats(out.get(0));
            float[][] dwBlocks = new float[RowBlocks.blocks(n)][d];
            RowBlocks.forEach(n, (block, first, count) -> {
                float[] rows = RowBlocks.read(xs, first * d, count * d, 0);
                float[] dy = RowBlocks.read(dys, first * d, count * d, 1);
                float[] dw = dwBlocks[block];
                for (int i = 0; i < count; i++) {
                    row(rows, dy, dw, w, i * d, d, r[first + i]);
                }
                dxs.put(first * d, dy, 0, count * d); // row() leaves dx in dy
            });
            float[] dw = new float[d];
            for (float[] b : dwBlocks) {
                for (int j = 0; j < d; j++) {
                    dw[j] += b[j];
                }
            }
            Buffers.floats(out.get(1)).put(0, dw);
            Reference.reachabilityFence(x); // a copy is read through its raw view only
        }

        /** One row at {@code o}: adds {@code dy x r} to {@code dw} and overwrites {@code dy} with {@code dx}. */
        private static void row(float[] x, float[] dy, float[] dw, float[] w, int o, int d, float r) {
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            int bound = S.loopBound(d);
            for (; j < bound; j += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, o + j), dyv = FloatVector.fromArray(S, dy, o + j);
                FloatVector dwv = FloatVector.fromArray(S, dw, j);
                dyv.mul(xv).mul(r).add(dwv).intoArray(dw, j);
                acc = dyv.mul(FloatVector.fromArray(S, w, j)).fma(xv, acc);
            }
            double dot = RowKernels.sumLanes(acc);
            for (int k = j; k < d; k++) {
                dw[k] = dy[o + k] * x[o + k] * r + dw[k];
                dot += dy[o + k] * w[k] * x[o + k];
            }
            float c = (float) (r * (double) r * r * dot / d);
            for (j = 0; j < bound; j += S.length()) {
                FloatVector gw = FloatVector.fromArray(S, dy, o + j).mul(FloatVector.fromArray(S, w, j));
                gw.mul(r).sub(FloatVector.fromArray(S, x, o + j).mul(c)).intoArray(dy, o + j);
            }
            for (; j < d; j++) {
                dy[o + j] = dy[o + j] * w[j] * r - x[o + j] * c;
            }
        }
    }
}
