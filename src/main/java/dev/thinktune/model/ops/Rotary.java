package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The rotary position embedding of every head of {@code x [N, heads * hd]}, times a scale:
 * {@code out = scale (x cos + rotate_half(x) sin)} with {@code rotate_half(x) = cat(-x[hd/2:], x[:hd/2])} and the
 * tables {@code cos, sin [N, hd]} of each row's position (transformers' apply_rotary_pos_emb), shaped
 * {@code [N, heads, hd]}. Its gradient ({@link Grad}) is the inverse rotation of {@code dout}, times the scale.
 * Built from SameDiff's ops it took tables repeated over the heads (a product with a 0/1 matrix), a product with
 * a signed permutation for rotate_half, two products, a sum and a scale, each with its gradient.
 */
public final class Rotary extends JavaOp {
    public static final String OP_NAME = "thinktune_rotary";

    private Rotary(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, SDVariable scale) {
        super(sd, x, cos, sin, scale);
    }

    public Rotary() {
    }

    /** {@code scale * rope(x)} as {@code [N, heads, hd]} for {@code x} of {@code N * heads * hd} elements. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable x, SDVariable cos, SDVariable sin,
                                   double scale) {
        return new Rotary(sd, x, cos, sin, sd.constant(Nd4j.scalar((float) scale))).namedOutput(name);
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
        long n = in.get(1).size(0), hd = in.get(1).size(1);
        return List.of(new long[]{n, in.get(0).length() / (n * hd), hd});
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        rotate(in, dense(in.get(0)), out.get(0), false);
    }

    /**
     * {@code to = scale * R(x)} row by row, or with {@code inverse} {@code scale * R^T(x)} (R^T: the rotation by the
     * negated angle, which is the gradient).
     */
    private static void rotate(List<INDArray> in, INDArray x, INDArray to, boolean inverse) {
        INDArray cosTable = dense(in.get(1));
        int n = (int) cosTable.size(0), hd = (int) cosTable.size(1), half = hd / 2;
        if (x.length() % ((long) n * hd) != 0) {
            throw new IllegalArgumentException("rotary embedding: " + x.length() + " values are not " + n
                    + " rows of whole heads of " + hd);
        }
        int width = (int) (x.length() / n), heads = width / hd;
        float scale = in.get(3).getFloat(0);
        FloatBuffer xs = Buffers.floats(x), cs = Buffers.floats(cosTable), ss = Buffers.input(in.get(2)),
                os = Buffers.floats(to);
        RowBlocks.forEach(n, (block, first, count) -> {
            float[] rows = RowBlocks.read(xs, first * width, count * width, 0);
            float[] cos = RowBlocks.read(cs, first * hd, count * hd, 1);
            float[] sin = RowBlocks.read(ss, first * hd, count * hd, 2);
            float[] o = RowBlocks.scratch(3, count * width);
            for (int i = 0; i < count; i++) {
                int t = i * hd;
                for (int h = 0; h < heads; h++) {
                    int b = i * width + h * hd;
                    for (int j = 0; j < half; j++) {
                        float a = rows[b + j], c = rows[b + j + half];
                        // forward: out[j] = a cos[j] - c sin[j], out[j+half] = c cos[j+half] + a sin[j+half]
                        // inverse: dx[j] = a cos[j] + c sin[j+half], dx[j+half] = c cos[j+half] - a sin[j]
                        if (!inverse) {
                            o[b + j] = (a * cos[t + j] - c * sin[t + j]) * scale;
                            o[b + j + half] = (c * cos[t + j + half] + a * sin[t + j + half]) * scale;
                        } else {
                            o[b + j] = (a * cos[t + j] + c * sin[t + j + half]) * scale;
                            o[b + j + half] = (c * cos[t + j + half] - a * sin[t + j]) * scale;
                        }
                    }
                }
            }
            os.put(first * width, o, 0, count * width);
        });
        Reference.reachabilityFence(x); // copies are read through their raw views only
        Reference.reachabilityFence(cosTable);
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        SDVariable dx = new Grad(sameDiff, arg(0), arg(1), arg(2), arg(3), grads.get(0)).outputVariable();
        // the tables are functions of the position ids alone: no gradient reaches a parameter through them
        return List.of(dx, sameDiff.zerosLike(arg(1)), sameDiff.zerosLike(arg(2)), sameDiff.zerosLike(arg(3)));
    }

    /** {@code dx = scale R^T(dout)}, shaped as {@code x}. */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_rotary_bp";

        Grad(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, SDVariable scale, SDVariable dout) {
            super(sd, x, cos, sin, scale, dout);
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
            return List.of(in.get(0).shape());
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            rotate(in, dense(in.get(4)), out.get(0), true);
        }
    }
}
