package dev.thinktune.bench;

import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.train.AdamW;
import dev.thinktune.train.GradientClipping;
import dev.thinktune.train.NextTokenLoss;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Forward and forward+backward+update throughput of the SameDiff student on random weights and tokens.
 */
public final class ModelBench {
    private final int warmup;
    private final int iterations;

    public ModelBench(int warmup, int iterations) {
        this.warmup = warmup;
        this.iterations = iterations;
    }

    public List<BenchResult> run(BenchSize size, Consumer<BenchResult> out) {
        ModelWeights weights = ModelWeights.initialize(size.config(), 0.02, 7);
        StudentModel model = StudentModel.of(weights);
        NextTokenLoss.attach(model);
        int b = size.batch(), t = size.seqLen();
        Map<String, INDArray> ph = placeholders(size, b, t);
        List<BenchResult> results = new ArrayList<>();

        double fwd = time(() -> GradientRunner.release(model.graph().output(ph, NextTokenLoss.LOSS)));
        long tokens = (long) b * t;
        results.add(result(size, "forward", tokens / fwd, fwd, size.forwardFlops(tokens, t) / fwd));
        out.accept(results.get(results.size() - 1));

        AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0.0);
        GradientRunner runner = new GradientRunner(model.graph(), new ArrayList<>(weights.tensors().keySet()),
                List.of(NextTokenLoss.LOSS));
        dev.thinktune.model.OffHeapMemory memory = new dev.thinktune.model.OffHeapMemory(2000);
        double train = time(() -> {
            try (GradientRunner.Result r = runner.run(ph)) {
                Map<String, INDArray> grads = r.gradients();
                GradientClipping.clip(grads, 1.0);
                adam.apply(weights.tensors(), grads, 1e-4);
            }
            memory.collect();
        });
        results.add(result(size, "train", tokens / train, train, 3 * size.forwardFlops(tokens, t) / train));
        out.accept(results.get(results.size() - 1));
        return results;
    }

    private BenchResult result(BenchSize size, String mode, double tps, double seconds, double flops) {
        Map<String, Object> extra = new HashMap<>();
        extra.put("gflop_per_s", flops / 1e9);
        extra.put("seq_len", size.seqLen());
        extra.put("rss_mb", ProcessStats.rssMb());
        return new BenchResult("model", size.label(), size.batch(), mode, tps, seconds, ProcessStats.peakRssMb(),
                new java.util.TreeMap<>(extra));
    }

    /** Median seconds of one call after warm-up. */
    private double time(Runnable r) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] s = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            r.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(s);
        return s[iterations / 2];
    }

    static Map<String, INDArray> placeholders(BenchSize size, int b, int t) {
        SplittableRandom rng = new SplittableRandom(11);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            int[] s = new int[t];
            for (int j = 0; j < t; j++) {
                s[j] = 3 + rng.nextInt(size.config().vocabSize() - 3);
            }
            seqs.add(s);
        }
        Map<String, INDArray> ph = new HashMap<>(TokenBatch.rightPadded(seqs, 0).placeholders());
        ph.put(NextTokenLoss.LOSS_MASK, Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, b, t - 1));
        ph.put(NextTokenLoss.NUM_TOKENS, Nd4j.scalar((float) (b * (t - 1))));
        return ph;
    }
}
