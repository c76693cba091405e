package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * rows[n] = table[ids[n]]: the embedding lookup, {@code table [V, D]}, {@code ids [N]} to {@code [N, D]}. Costs
 * O(N x D); its gradient ({@link Grad}) adds each row's gradient into row {@code ids[n]} of a {@code [V, D]}
 * gradient. SameDiff M2.1's own gather computes this forward pass right but not its gradient.
 */
public final class EmbeddingLookup extends JavaOp {
    public static final String OP_NAME = "thinktune_embedding_lookup";

    private EmbeddingLookup(SameDiff sd, SDVariable table, SDVariable ids) {
        super(sd, table, ids);
    }

    public EmbeddingLookup() {
    }

    /** The looked-up rows {@code [N, D]} of {@code table} for the flat {@code ids [N]}. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable table, SDVariable ids) {
        return new EmbeddingLookup(sd, table, ids).namedOutput(name);
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
        return List.of(new long[]{in.get(1).length(), in.get(0).size(1)});
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        INDArray table = in.get(0);
        ids(in.get(1), table.size(0), "embedding lookup");
        // gather's forward pass is right in M2.1 (only its gradient is not); a frozen bfloat16 table's rows are
        // gathered as they are and widened (exactly)
        INDArray rows = table.dataType() == out.get(0).dataType() ? out.get(0)
                : Nd4j.createUninitialized(table.dataType(), out.get(0).shape());
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(table, in.get(1)).addOutputs(rows)
                .addIntegerArguments(0).build());
        if (rows != out.get(0)) {
            out.get(0).assign(rows);
            rows.close();
        }
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        if (arg(0).isConstant()) {
            // a frozen embedding (a model trained through adapters): no [V, D] gradient
            return List.of(sameDiff.zerosLike(arg(0)), sameDiff.zerosLike(arg(1)));
        }
        SDVariable dTable = new Grad(sameDiff, arg(0), arg(1), grads.get(0)).outputVariable();
        return List.of(dTable, sameDiff.zerosLike(arg(1)));
    }

    /**
     * dTable = zeros [V, D] with dRows[n] added into row ids[n] (repeated ids add up); with a {@linkplain
     * GradientTargets target} for the table, the rows are added into the target and the output is a zero.
     */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_embedding_lookup_bp";

        Grad(SameDiff sd, SDVariable table, SDVariable ids, SDVariable dRows) {
            super(sd, table, ids, dRows);
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
            return List.of(GradientTargets.shape(arg(0), in.get(0).shape()));
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            INDArray table = in.get(0);
            int[] ids = ids(in.get(1), table.size(0), "embedding lookup gradient");
            float[] dRows = dense(in.get(2)).data().asFloat();
            INDArray dTable = GradientTargets.sumInto(arg(0), out.get(0));
            int d = (int) table.size(1);
            java.nio.FloatBuffer target = Buffers.floats(dTable);
            for (int n = 0; n < ids.length; n++) {
                int base = ids[n] * d, src = n * d;
                for (int j = 0; j < d; j++) {
                    target.put(base + j, target.get(base + j) + dRows[src + j]);
                }
            }
        }
    }
}
