package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph op computed in Java (ND4J calls on whole arrays, or loops on the Vector API) rather than by a libnd4j
 * kernel. It is an ordinary node of the SameDiff graph: it has a name, inputs and outputs, shows in the UI, and its
 * gradient is another such op built by {@link #doDiff}. thinktune's inference session runs it (see
 * {@code SessionArrayCache.RunScopedSession}); SameDiff allocates its outputs from the shapes it declares.
 *
 * <p>Used where SameDiff M2.1 has no working op: the embedding lookup (gather's gradient is wrong) and the
 * head's per-token log-probabilities computed a chunk of tokens at a time (no {@code [tokens, vocab]} array); and
 * where a fused op is cheaper than SameDiff's chain of element-wise ops: attention, RMSNorm, SwiGLU, the rotary
 * embedding, and the projections (one BLAS call each way).
 */
public abstract class JavaOp extends DynamicCustomOp {

    protected JavaOp(SameDiff sd, SDVariable... args) {
        super(sd, args);
    }

    /** For SameDiff's deserialisation (it clones a graph through its serialised form to build the gradient). */
    protected JavaOp() {
    }

    /** No attributes: the op is defined by its inputs alone. */
    @Override
    public Map<String, Object> propertiesForFunction() {
        return new LinkedHashMap<>();
    }

    @Override
    public abstract String opName();

    /** The output shapes for these input arrays. */
    protected abstract List<long[]> outputShapes(List<INDArray> inputs);

    /** Computes every output into the arrays SameDiff allocated for them. */
    protected abstract void compute(List<INDArray> inputs, List<INDArray> outputs);

    /** The op's single output, renamed to {@code name} unless that is null (then SameDiff's generated name). */
    protected final SDVariable namedOutput(String name) {
        SDVariable out = outputVariable();
        return name == null ? out : sameDiff.updateVariableNameAndReference(out, name);
    }

    /** Runs this op on the arrays of an op context (called by the session). */
    public final void execute(OpContext ctx) {
        compute(ctx.getInputArrays(), ctx.getOutputArrays());
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
        return descriptors(outputShapes(oc.getInputArrays()));
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape() {
        return descriptors(outputShapes(inputArguments()));
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
        return Collections.nCopies(getNumOutputs(), DataType.FLOAT);
    }

    /** How many outputs the op has. */
    @Override
    public abstract int getNumOutputs();

    /** No libnd4j kernel stands behind this op: a stable number for the graph's serialised form. */
    @Override
    public long opHash() {
        return opName().hashCode();
    }

    @Override
    public int opNum() {
        return opName().hashCode();
    }

    private static List<LongShapeDescriptor> descriptors(List<long[]> shapes) {
        List<LongShapeDescriptor> out = new ArrayList<>(shapes.size());
        for (long[] s : shapes) {
            out.add(LongShapeDescriptor.fromShape(s, DataType.FLOAT));
        }
        return out;
    }

    /** Whether {@code a} is a dense c-ordered array of its own, whose raw memory the Java loops can index. */
    static boolean isDense(INDArray a) {
        return a.ordering() == 'c' && !a.isView() && a.elementWiseStride() == 1;
    }

    /** {@code a} itself when it is {@linkplain #isDense dense}, else a dense copy (the Java loops index raw memory). */
    static INDArray dense(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }

    /** The ids of an integer array, checked against the table's row count {@code rows}. */
    static int[] ids(INDArray ids, long rows, String what) {
        int[] out = ids.toIntVector();
        for (int id : out) {
            if (id < 0 || id >= rows) {
                throw new IllegalArgumentException(what + ": token id " + id + " is outside the vocabulary (0.."
                        + (rows - 1) + ")");
            }
        }
        return out;
    }
}
