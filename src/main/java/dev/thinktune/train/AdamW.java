package dev.thinktune.train;

import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.DType;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.SafetensorsWriter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias-corrected moments, epsilon added to
 * the square root of the corrected second moment), updating parameter arrays in place. Norm weights
 * (1-D tensors) get no weight decay, as is usual for Llama training.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    public long step() {
        return step;
    }

    /**
     * One update of every parameter that has a gradient (the gradients are left as they are). Each parameter is
     * updated in one pass over its memory: parameter, gradient and both moments are read once and written once,
     * chunk by chunk on every core, on the Vector API (ND4J's element-wise calls made ten passes, 0.14 s a step
     * for the small benchmark model's 25.7 million parameters).
     */
    public void apply(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            INDArray p = e.getValue();
            INDArray mi = m.computeIfAbsent(e.getKey(), k -> Nd4j.zeros(DataType.FLOAT, p.shape()));
            INDArray vi = v.computeIfAbsent(e.getKey(), k -> Nd4j.zeros(DataType.FLOAT, p.shape()));
            Rule rule = new Rule((float) beta1, (float) beta2, (float) eps,
                    (float) (weightDecay > 0 && p.rank() > 1 ? 1 - lr * weightDecay : 1), (float) (lr / bc1),
                    (float) Math.sqrt(bc2));
            if (!FloatViews.dense(p)) {
                throw new IllegalArgumentException("AdamW updates dense float32 parameters in place; '"
                        + e.getKey() + "' is " + p.shapeInfoToString());
            }
            rule.update(FloatViews.floats(p), FloatViews.floats(dense(g)), FloatViews.floats(mi),
                    FloatViews.floats(vi), p.length());
        }
    }

    /**
     * torch.optim.AdamW's update of one element, in its order of operations: {@code m = b1 m + (1 - b1) g},
     * {@code v = b2 v + (1 - b2) g^2}, {@code p = decay p - stepSize m / (sqrt(v) / sqrt(bc2) + eps)} with
     * {@code decay = 1 - lr wd} and {@code stepSize = lr / bc1}.
     */
    private record Rule(float b1, float b2, float eps, float decay, float stepSize, float bc2Sqrt) {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ThreadLocal<float[][]> SCRATCH =
                ThreadLocal.withInitial(() -> new float[4][FloatViews.CHUNK]);

        void update(FloatBuffer p, FloatBuffer g, FloatBuffer m, FloatBuffer v, long length) {
            int n = Math.toIntExact(length);
            FloatViews.chunks(FloatViews.chunkCount(n)).forEach(c -> {
                int off = c * FloatViews.CHUNK, len = Math.min(FloatViews.CHUNK, n - off);
                float[][] s = SCRATCH.get();
                float[] ps = s[0], gs = s[1], ms = s[2], vs = s[3];
                p.get(off, ps, 0, len);
                g.get(off, gs, 0, len);
                m.get(off, ms, 0, len);
                v.get(off, vs, 0, len);
                chunk(ps, gs, ms, vs, len);
                p.put(off, ps, 0, len);
                m.put(off, ms, 0, len);
                v.put(off, vs, 0, len);
            });
        }

        private void chunk(float[] p, float[] g, float[] m, float[] v, int len) {
            float a1 = 1 - b1, a2 = 1 - b2;
            int j = 0;
            for (int bound = S.loopBound(len); j < bound; j += S.length()) {
                FloatVector gj = FloatVector.fromArray(S, g, j);
                FloatVector mj = FloatVector.fromArray(S, m, j).mul(b1).add(gj.mul(a1));
                FloatVector vj = FloatVector.fromArray(S, v, j).mul(b2).add(gj.mul(gj).mul(a2));
                FloatVector denom = vj.sqrt().div(bc2Sqrt).add(eps);
                FloatVector pj = FloatVector.fromArray(S, p, j).mul(decay).sub(mj.div(denom).mul(stepSize));
                mj.intoArray(m, j);
                vj.intoArray(v, j);
                pj.intoArray(p, j);
            }
            for (; j < len; j++) {
                float gj = g[j];
                m[j] = m[j] * b1 + gj * a1;
                v[j] = v[j] * b2 + gj * gj * a2;
                float denom = (float) Math.sqrt(v[j]) / bc2Sqrt + eps;
                p[j] = p[j] * decay - m[j] / denom * stepSize;
            }
        }
    }

    private static INDArray dense(INDArray a) {
        return FloatViews.dense(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /** Writes the moments and step (with the given extra metadata) to a safetensors file, atomically. */
    public void save(Path file, Map<String, String> metadata) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        m.forEach((k, a) -> entries.add(entry("m." + k, a)));
        v.forEach((k, a) -> entries.add(entry("v." + k, a)));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("step", Long.toString(step));
        SafetensorsWriter.write(file, entries, meta);
    }

    private static SafetensorsWriter.Entry entry(String name, INDArray a) {
        return new SafetensorsWriter.Entry(name, DType.F32, a.shape(), FloatViews.floats(a));
    }

    /** Restores moments and step written by {@link #save}. */
    public void load(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String s = f.metadata().get("step");
            if (s == null) {
                throw new CheckpointException(file + ": optimizer state has no step");
            }
            step = Long.parseLong(s);
            m.clear();
            v.clear();
            f.tensors().forEach((name, info) -> {
                INDArray a = Nd4j.createUninitialized(DataType.FLOAT, info.shape(), 'c');
                f.readFloats(name, FloatViews.floats(a));
                if (name.startsWith("m.")) {
                    m.put(name.substring(2), a);
                } else if (name.startsWith("v.")) {
                    v.put(name.substring(2), a);
                } else {
                    throw new CheckpointException(file + ": unexpected optimizer tensor '" + name + "'");
                }
            });
        }
    }
}
