package dev.thinktune.lora;

import dev.thinktune.model.LlamaConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The adapters of one student: for every targeted projection (module {@code model.layers.3.self_attn.q_proj})
 * a float32 {@code A [r, in]} and {@code B [out, r]}, by the names the training graph gives them
 * ({@code model.layers.3.self_attn.q_proj.lora_A.weight}: PEFT's tensor name without its
 * {@code base_model.model.} prefix). The arrays are shared, not copied: the graph trains them in place and the
 * decoder reads them.
 */
public final class LoraAdapters {
    public static final String A = ".lora_A.weight";
    public static final String B = ".lora_B.weight";

    private final LoraConfig config;
    private final LlamaConfig model;
    private final Map<String, INDArray> tensors;

    /** Adapters from named arrays, checked against the shapes {@code config} and {@code model} call for. */
    public LoraAdapters(LoraConfig config, LlamaConfig model, Map<String, INDArray> tensors) {
        this.config = config;
        this.model = model;
        LinkedHashMap<String, INDArray> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config, model).entrySet()) {
            INDArray a = tensors.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("missing adapter tensor '" + e.getKey() + "'");
            }
            if (!Arrays.equals(a.shape(), e.getValue())) {
                throw new IllegalArgumentException("adapter tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(a.shape()) + " but r = " + config.r() + " and the model need "
                        + Arrays.toString(e.getValue()));
            }
            // an array of its own (not a view): SameDiff copies a view it is given as a variable, and the graph
            // would then train a copy that the decoder and the optimizer never see
            INDArray own = a.dataType() != DataType.FLOAT ? a.castTo(DataType.FLOAT)
                    : a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
            ordered.put(e.getKey(), own);
        }
        for (String name : tensors.keySet()) {
            if (!ordered.containsKey(name)) {
                throw new IllegalArgumentException("unexpected adapter tensor '" + name + "' (target modules: "
                        + String.join(", ", config.targetModules()) + ")");
            }
        }
        this.tensors = Collections.unmodifiableMap(ordered);
    }

    /**
     * Fresh adapters initialised as PEFT's default: {@code A} Kaiming-uniform with {@code a = sqrt(5)} (uniform in
     * {@code ±1/sqrt(in)}), {@code B} zeros, so the adapted model starts exactly as the base model. Seeded.
     */
    public static LoraAdapters initialize(LoraConfig config, LlamaConfig model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(config, model).entrySet()) {
            long[] shape = e.getValue();
            if (e.getKey().endsWith(A)) {
                double bound = 1.0 / Math.sqrt(shape[1]);
                float[] v = new float[Math.toIntExact(shape[0] * shape[1])];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                }
                t.put(e.getKey(), Nd4j.createFromArray(v).reshape(shape));
            } else {
                t.put(e.getKey(), Nd4j.zeros(DataType.FLOAT, shape));
            }
        }
        return new LoraAdapters(config, model, t);
    }

    /** Tensor name to shape of every adapter, layer by layer, module by module, A before B. */
    public static LinkedHashMap<String, long[]> shapes(LoraConfig config, LlamaConfig model) {
        Map<String, long[]> base = model.parameterShapes();
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        for (String module : modules(config, model)) {
            long[] w = base.get(module + ".weight");
            out.put(module + A, new long[]{config.r(), w[1]});
            out.put(module + B, new long[]{w[0], config.r()});
        }
        return out;
    }

    /** Parameters of the adapters {@code config} puts on a model of config {@code model}. */
    public static long parameterCount(LoraConfig config, LlamaConfig model) {
        return shapes(config, model).values().stream().mapToLong(s -> s[0] * s[1]).sum();
    }

    /** Full module names of the targeted projections ({@code model.layers.0.self_attn.q_proj}), in order. */
    public static List<String> modules(LoraConfig config, LlamaConfig model) {
        List<String> out = new java.util.ArrayList<>();
        for (int l = 0; l < model.numLayers(); l++) {
            for (String m : LoraConfig.MODULES) {
                if (config.targets(m)) {
                    out.add(module(l, m));
                }
            }
        }
        return out;
    }

    /** The full module name of projection {@code projection} ({@code q_proj}, ...) of layer {@code layer}. */
    public static String module(int layer, String projection) {
        String block = projection.endsWith("_proj") && List.of("q_proj", "k_proj", "v_proj", "o_proj")
                .contains(projection) ? "self_attn" : "mlp";
        return "model.layers." + layer + "." + block + "." + projection;
    }

    public LoraConfig config() {
        return config;
    }

    public LlamaConfig modelConfig() {
        return model;
    }

    /** Every adapter array by graph name, in {@link #shapes} order. */
    public Map<String, INDArray> tensors() {
        return tensors;
    }

    /** Values in every adapter array. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(INDArray::length).sum();
    }

    /** Whether {@code module} (a full module name) has an adapter. */
    public boolean has(String module) {
        return tensors.containsKey(module + A);
    }

    /** {@code A [r, in]} of {@code module}. */
    public INDArray a(String module) {
        return get(module + A);
    }

    /** {@code B [out, r]} of {@code module}. */
    public INDArray b(String module) {
        return get(module + B);
    }

    private INDArray get(String name) {
        INDArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no adapter tensor '" + name + "'");
        }
        return a;
    }

}
