package dev.thinktune.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import dev.thinktune.model.ops.GradientTargets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a graph's backward pass with SameDiff's array cache on.
 *
 * <p>{@code SameDiff.calculateGradients} turns the session's array cache off for the gradient function, so
 * every intermediate array of every step is a fresh off-heap allocation released only when the garbage
 * collector finds its Java object: on the small benchmark model resident memory passed 18 GB and most of the
 * step was spent faulting in new pages. This runner executes the same gradient function with the cache on,
 * so intermediate arrays are recycled between steps (measured: same gradients bit for bit, memory flat).
 *
 * <p>The arrays it returns may be recycled by the next call: consume or copy them before calling again.
 */
public final class GradientRunner {
    private static final String GRAD_FUNCTION = "grad";
    private final SameDiff gradFn;
    private final Map<String, String> gradientNames = new LinkedHashMap<>();
    private final List<String> outputs;

    /**
     * @param sd         a graph whose loss variables are set
     * @param parameters names of the variables to differentiate
     * @param outputs    forward variables to return with the gradients (the loss, diagnostics)
     */
    public GradientRunner(SameDiff sd, List<String> parameters, List<String> outputs) {
        SessionArrayCache.install();
        if (sd.getFunction(GRAD_FUNCTION) == null) {
            QuietStdout.run(sd::createGradFunction); // SameDiff prints a line per differentiated op
            // cloning the graph, SameDiff M2.1's var(SDVariable) copies every variable's array before the clone is
            // pointed at the original: the copies (the whole model once more) wait for a collection; they go back
            // now rather than whenever the small Java heap next fills
            System.gc();
        }
        this.gradFn = sd.getFunction(GRAD_FUNCTION);
        for (String p : parameters) {
            SDVariable g = sd.getVariable(p).getGradient();
            if (g == null) {
                throw new IllegalArgumentException("the loss does not depend on '" + p + "'");
            }
            gradientNames.put(p, g.name());
        }
        this.outputs = List.copyOf(outputs);
    }

    /**
     * Gradients by parameter name, and the requested forward outputs by name. Closing it frees their off-heap
     * memory at once (otherwise it waits for a garbage collection, which a small Java heap seldom runs).
     */
    public record Result(Map<String, INDArray> gradients, Map<String, INDArray> outputs) implements AutoCloseable {
        @Override
        public void close() {
            release(gradients);
            release(outputs);
        }
    }

    /** Frees the off-heap memory of every array in {@code arrays} that may be closed. */
    public static void release(Map<String, INDArray> arrays) {
        for (INDArray a : arrays.values()) {
            if (a != null && !a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
    }

    /**
     * Runs the backward pass and adds each parameter's gradient into its array in {@code sums} (by parameter name;
     * dense float32 arrays of the parameters' shapes). The ops that can add a weight's gradient as they compute it
     * do ({@link GradientTargets}), so the pass holds no array of those gradients; the rest are added after the
     * pass. Returns the requested forward outputs (the result holds no gradients).
     */
    public Result accumulate(Map<String, INDArray> placeholders, Map<String, INDArray> sums) {
        Result[] pass = new Result[1];
        Set<String> added = GradientTargets.during(sums, () -> pass[0] = run(placeholders));
        try (Result r = pass[0]) {
            r.gradients().forEach((param, grad) -> {
                INDArray sum = sums.get(param);
                if (sum == null) {
                    throw new IllegalArgumentException("no array to add the gradient of '" + param + "' into");
                }
                if (Arrays.equals(grad.shape(), sum.shape())) {
                    sum.addi(grad);
                } else if (!added.contains(param) || grad.length() != 1) {
                    throw new IllegalStateException("the gradient of '" + param + "' has shape "
                            + Arrays.toString(grad.shape()) + ", the parameter " + Arrays.toString(sum.shape()));
                } // else: its ops added it into the sum and left a zero in its place
            });
            Map<String, INDArray> outs = new LinkedHashMap<>(r.outputs());
            r.outputs().clear();
            return new Result(Map.of(), outs);
        }
    }

    public Result run(Map<String, INDArray> placeholders) {
        List<String> requested = new ArrayList<>(gradientNames.values());
        requested.addAll(outputs);
        gradFn.setEnableCache(true);
        Map<String, INDArray> all = gradFn.output(placeholders, requested.toArray(new String[0]));
        Map<String, INDArray> grads = new LinkedHashMap<>();
        gradientNames.forEach((param, grad) -> grads.put(param, all.get(grad)));
        Map<String, INDArray> outs = new LinkedHashMap<>();
        outputs.forEach(o -> outs.put(o, all.get(o)));
        return new Result(grads, outs);
    }
}
