package dev.thinktune.train;

import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.DType;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.SafetensorsWriter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.ByteOrder;
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
    private INDArray scratch; // one buffer as long as the largest parameter, shared by all
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

    /** One update of every parameter that has a gradient; gradients are consumed (overwritten). */
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
            INDArray tmp = scratchFor(p);
            if (weightDecay > 0 && p.rank() > 1) {
                p.muli(1 - lr * weightDecay);
            }
            // all in place: no temporary arrays per update
            mi.muli(beta1);
            Nd4j.getBlasWrapper().level1().axpy(g.length(), 1 - beta1, g, mi);      // m += (1-b1) g
            g.muli(g);                                                               // g := g^2 (consumed)
            vi.muli(beta2);
            Nd4j.getBlasWrapper().level1().axpy(g.length(), 1 - beta2, g, vi);      // v += (1-b2) g^2
            tmp.assign(vi).divi(bc2);
            Transforms.sqrt(tmp, false).addi(eps);                                   // sqrt(v/bc2) + eps
            tmp.rdivi(mi);                                                           // m / (sqrt(v/bc2) + eps)
            Nd4j.getBlasWrapper().level1().axpy(p.length(), -lr / bc1, tmp, p);     // p -= lr/bc1 * ...
        }
    }

    /** A view of the shared scratch buffer shaped like {@code p}. */
    private INDArray scratchFor(INDArray p) {
        long n = p.length();
        if (scratch == null || scratch.length() < n) {
            scratch = Nd4j.createUninitialized(DataType.FLOAT, n);
        }
        return scratch.get(NDArrayIndex.interval(0, n)).reshape(p.shape());
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
        return new SafetensorsWriter.Entry(name, DType.F32, a.shape(),
                a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer());
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
                f.readFloats(name, a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer());
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
