package dev.thinktune.model;

import dev.thinktune.lora.LoraAdapters;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

/**
 * The student: its weights, its low-rank adapters if it has any, and the SameDiff graph built over them. The
 * graph's variables are the trained arrays themselves (the weights, or the adapters with the weights frozen), so
 * training the graph updates them in place.
 */
public final class StudentModel {
    private final ModelWeights weights;
    private final LoraAdapters adapters;
    private final SameDiff sd;
    private final SDVariable tokenLogprobs;

    private StudentModel(ModelWeights weights, LoraAdapters adapters, LayerActivations activations) {
        NativeThreads.apply();
        SessionArrayCache.install();
        this.weights = weights;
        this.adapters = adapters;
        this.sd = SameDiff.create();
        // SameDiff's default holders keep a second copy of every array set into them (DeviceLocalNDArray's
        // "delayed" copy for other devices, never freed on a one-device CPU): the whole model twice. Plain holders
        // keep the arrays themselves; the graph is run by one thread at a time.
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        this.tokenLogprobs = LlamaGraph.build(sd, weights, adapters, activations);
    }

    public static StudentModel of(ModelWeights weights) {
        return new StudentModel(weights, null, LayerActivations.KEPT);
    }

    /** A student trained through {@code adapters} (null: the weights themselves, full fine-tuning). */
    public static StudentModel of(ModelWeights weights, LoraAdapters adapters) {
        return new StudentModel(weights, adapters, LayerActivations.KEPT);
    }

    /** As {@link #of(ModelWeights, LoraAdapters)}, with the layers' activations kept or recomputed. */
    public static StudentModel of(ModelWeights weights, LoraAdapters adapters, LayerActivations activations) {
        return new StudentModel(weights, adapters, activations);
    }

    public static StudentModel load(Path dir) {
        return new StudentModel(HfCheckpoint.load(dir), null, LayerActivations.KEPT);
    }

    public LlamaConfig config() {
        return weights.config();
    }

    public ModelWeights weights() {
        return weights;
    }

    /** The low-rank adapters, or null when the weights themselves are trained. */
    public LoraAdapters adapters() {
        return adapters;
    }

    /** The arrays an optimizer updates, by graph variable name: the adapters when there are any, else the weights. */
    public Map<String, INDArray> trainable() {
        return adapters != null ? adapters.tensors() : weights.tensors();
    }

    /** The graph, for a trainer to extend with its loss or for the UI to inspect. */
    public SameDiff graph() {
        return sd;
    }

    /** The per-token log-probability output variable, [B, T-1]. */
    public SDVariable tokenLogprobsVariable() {
        return tokenLogprobs;
    }

    /** Logits [B, T, V]. */
    public INDArray logits(TokenBatch batch) {
        return sd.output(batch.placeholders(), LlamaGraph.LOGITS).get(LlamaGraph.LOGITS);
    }

    /** log p(ids[t+1] | ids[..t]) for t in 0..T-2, [B, T-1]. */
    public INDArray tokenLogprobs(TokenBatch batch) {
        return sd.output(batch.placeholders(), LlamaGraph.TOKEN_LOGPROBS).get(LlamaGraph.TOKEN_LOGPROBS);
    }

    public Map<String, INDArray> outputs(TokenBatch batch, String... names) {
        return sd.output(batch.placeholders(), names);
    }
}
