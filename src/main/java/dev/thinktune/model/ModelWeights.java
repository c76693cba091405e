package dev.thinktune.model;

import dev.thinktune.model.arch.TensorSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of a student by Hugging Face tensor name, as float32 arrays in the layout transformers uses
 * ({@code [out, in]} for projections); frozen weights ({@link HfCheckpoint#loadFrozen}) may keep matrices in
 * bfloat16. The arrays are shared, not copied: the graph that trains them and the
 * decoder that samples from them see the same memory.
 */
public final class ModelWeights {
    private final LlamaConfig config;
    private final Map<String, INDArray> tensors;

    public ModelWeights(LlamaConfig config, Map<String, INDArray> tensors) {
        this.config = config;
        LinkedHashMap<String, INDArray> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            INDArray a = tensors.get(e.getKey());
            if (a == null) {
                throw new CheckpointException("missing tensor '" + e.getKey() + "'");
            }
            if (!Arrays.equals(a.shape(), e.getValue())) {
                throw new CheckpointException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(a.shape())
                        + " but the config needs " + Arrays.toString(e.getValue()));
            }
            if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.BFLOAT16) {
                throw new CheckpointException("tensor '" + e.getKey() + "' is " + a.dataType()
                        + ", expected FLOAT (or BFLOAT16 for frozen weights)");
            }
            ordered.put(e.getKey(), a);
        }
        this.tensors = Collections.unmodifiableMap(ordered);
    }

    /**
     * Fresh weights initialised as transformers does for the config's architecture ({@link TensorSpec#init()}):
     * normal(0, std) for matrices (std = {@code initializerRange}), ones for the norm weights, zeros for biases;
     * seeded.
     */
    public static ModelWeights initialize(LlamaConfig config, double initializerRange, long seed) {
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        for (TensorSpec spec : config.tensors()) {
            long[] shape = spec.shape();
            INDArray a = switch (spec.init()) {
                case NORM_ONES -> Nd4j.ones(DataType.FLOAT, shape);
                case ZEROS -> Nd4j.zeros(DataType.FLOAT, shape);
                case NORMAL -> Nd4j.randn(rng, shape).castTo(DataType.FLOAT).muli(initializerRange);
            };
            t.put(spec.name(), a);
        }
        return new ModelWeights(config, t);
    }

    public LlamaConfig config() {
        return config;
    }

    /** The tensors in checkpoint order (embedding, layers, final norm, head). */
    public Map<String, INDArray> tensors() {
        return tensors;
    }

    public INDArray get(String name) {
        INDArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return a;
    }

    /** The output projection: {@code lm_head.weight}, or the embedding when tied. */
    public INDArray lmHead() {
        return config.tieWordEmbeddings() ? get("model.embed_tokens.weight") : get("lm_head.weight");
    }

    /** A deep copy (for a frozen reference model). */
    public ModelWeights copy() {
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        tensors.forEach((k, v) -> t.put(k, v.dup()));
        return new ModelWeights(config, t);
    }

    /** Copies every tensor of {@code other} into this one's arrays (same config). */
    public void assign(ModelWeights other) {
        tensors.forEach((k, v) -> v.assign(other.get(k)));
    }

    public long parameterCount() {
        return tensors.values().stream().mapToLong(INDArray::length).sum();
    }
}
