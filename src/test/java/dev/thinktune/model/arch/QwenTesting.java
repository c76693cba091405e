package dev.thinktune.model.arch;

import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tiny Qwen2 checkpoint with non-zero q/k/v biases, the tiny Qwen3 checkpoint, and their torch references
 * (made by {@code src/test/resources/dev/thinktune/model/qwen/make_reference.py}), and Qwen2 views of Llama
 * weights.
 */
public final class QwenTesting {

    private QwenTesting() {
    }

    /** The directory of the tiny Qwen2 checkpoint (config.json, model.safetensors). */
    public static Path tinyQwen2() {
        return resource("tiny-qwen2");
    }

    /** The torch reference: input_ids [B, T], logits [B, T, V], token_logprobs [B, T-1]. */
    public static SafetensorsFile reference() {
        return SafetensorsFile.open(resource("reference.safetensors"));
    }

    /** The directory of the tiny Qwen3 checkpoint (head_dim 16 with hidden 32 and 4 heads; q/k norms). */
    public static Path tinyQwen3() {
        return resource("tiny-qwen3");
    }

    /** The Qwen3 model's torch reference, as {@link #reference()}. */
    public static SafetensorsFile referenceQwen3() {
        return SafetensorsFile.open(resource("reference-qwen3.safetensors"));
    }

    /** The reference's sequences, one array per row of input_ids. */
    public static List<int[]> referenceSequences(SafetensorsFile ref) {
        long[] shape = ref.info("input_ids").shape();
        int b = (int) shape[0], t = (int) shape[1];
        int[] ids = ref.ints("input_ids");
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            out.add(java.util.Arrays.copyOfRange(ids, i * t, (i + 1) * t));
        }
        return out;
    }

    /** Llama weights as a Qwen2 model whose q/k/v biases are {@code bias} (zeros: the same function). */
    public static ModelWeights asQwen2(ModelWeights llama, float bias) {
        ModelWeights zero = asQwen2WithBiases(llama, n -> Nd4j.zeros(DataType.FLOAT, n));
        if (bias != 0f) {
            zero.tensors().forEach((k, v) -> {
                if (k.endsWith(".bias")) {
                    v.assign(bias);
                }
            });
        }
        return zero;
    }

    private static ModelWeights asQwen2WithBiases(ModelWeights llama, java.util.function.LongFunction<INDArray> bias) {
        Map<String, INDArray> tensors = new LinkedHashMap<>(llama.tensors());
        var config = llama.config().withArchitecture(Architecture.QWEN2);
        for (TensorSpec t : config.tensors()) {
            if (t.init() == TensorSpec.Init.ZEROS) {
                tensors.put(t.name(), bias.apply(t.shape()[0]));
            }
        }
        return new ModelWeights(config, tensors);
    }

    private static Path resource(String name) {
        try {
            return Path.of(QwenTesting.class.getResource("/dev/thinktune/model/qwen/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
