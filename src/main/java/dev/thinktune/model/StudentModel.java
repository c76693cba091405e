package dev.thinktune.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

/**
 * The student: its weights and the SameDiff graph built over them. The graph's variables are the weight arrays
 * themselves, so training the graph updates {@link #weights()} in place.
 */
public final class StudentModel {
    private final ModelWeights weights;
    private final SameDiff sd;
    private final SDVariable tokenLogprobs;

    private StudentModel(ModelWeights weights) {
        NativeThreads.apply();
        SessionArrayCache.install();
        this.weights = weights;
        this.sd = SameDiff.create();
        this.tokenLogprobs = LlamaGraph.build(sd, weights);
    }

    public static StudentModel of(ModelWeights weights) {
        return new StudentModel(weights);
    }

    public static StudentModel load(Path dir) {
        return new StudentModel(HfCheckpoint.load(dir));
    }

    public LlamaConfig config() {
        return weights.config();
    }

    public ModelWeights weights() {
        return weights;
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
