package dev.thinktune.testing;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Adapters with random A and B, and the reference merge {@code W + scale * B A} by plain loops in double. */
public final class TestAdapters {
    /** Rank 4, alpha 8 (scale 2), all seven projections. */
    public static final LoraConfig ALL = new LoraConfig(4, 8, 0.0, LoraConfig.MODULES);
    /** Rank 3, alpha 5, three projections: packed matrices where some rows are adapted and some are not. */
    public static final LoraConfig SOME = new LoraConfig(3, 5, 0.0, List.of("q_proj", "v_proj", "down_proj"));

    private TestAdapters() {
    }

    /** A uniform in ±1/sqrt(in) (PEFT's initialisation), B normal(0, bStd), seeded. */
    public static LoraAdapters random(LoraConfig config, LlamaConfig model, long seed, double bStd) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LoraAdapters.shapes(config, model).entrySet()) {
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(shape[0] * shape[1])];
            boolean a = e.getKey().endsWith(LoraAdapters.A);
            double bound = 1.0 / Math.sqrt(shape[1]);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (a ? (rng.nextDouble() * 2 - 1) * bound : rng.nextGaussian() * bStd);
            }
            t.put(e.getKey(), Nd4j.createFromArray(v).reshape(shape));
        }
        return new LoraAdapters(config, model, t);
    }

    /** A copy of {@code base} with each adapted weight replaced by {@code W + scale * B A} (double sums, rounded once). */
    public static ModelWeights merged(ModelWeights base, LoraAdapters adapters) {
        double scale = adapters.config().scale();
        Map<String, INDArray> out = new LinkedHashMap<>();
        base.tensors().forEach((name, w) -> {
            String module = name.endsWith(".weight") ? name.substring(0, name.length() - 7) : name;
            if (!adapters.has(module)) {
                out.put(name, w.dup());
                return;
            }
            float[][] wv = w.toFloatMatrix();
            float[][] a = adapters.a(module).toFloatMatrix();
            float[][] b = adapters.b(module).toFloatMatrix();
            float[][] m = new float[wv.length][wv[0].length];
            for (int i = 0; i < wv.length; i++) {
                for (int c = 0; c < wv[0].length; c++) {
                    double sum = 0;
                    for (int k = 0; k < a.length; k++) {
                        sum += (double) b[i][k] * a[k][c];
                    }
                    m[i][c] = (float) (wv[i][c] + scale * sum);
                }
            }
            out.put(name, Nd4j.createFromArray(m).castTo(DataType.FLOAT));
        });
        return new ModelWeights(base.config(), out);
    }
}
