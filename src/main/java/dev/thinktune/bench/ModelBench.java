package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thinktune.model.LayerActivations;
import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.OffHeapMemory;
import dev.thinktune.model.OpProfile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.train.AdamW;
import dev.thinktune.train.GradientClipping;
import dev.thinktune.train.MemoryPlan;
import dev.thinktune.train.NextTokenLoss;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Forward and forward+backward+update throughput of the SameDiff student on random weights and tokens, and
 * optionally the resident memory over a long run of training steps (a "soak": memory must stay flat).
 */
public final class ModelBench {
    static final String TORCH_SCRIPT = "bench_model_torch.py";

    private final int warmup;
    private final double warmupSeconds;
    private final int iterations;
    private final int soakSteps;
    private final int microBatch;
    private final boolean torch;
    private final boolean opProfile;
    private final LayerActivations activations;
    private long clipNanos;  // time in gradient clipping and AdamW since the last op profile started
    private long adamNanos;

    public ModelBench(int warmup, int iterations) {
        this(warmup, 0, iterations, 0, 0, false, false);
    }

    public ModelBench(int warmup, int iterations, int soakSteps, int microBatch, boolean torch, boolean opProfile) {
        this(warmup, 0, iterations, soakSteps, microBatch, torch, opProfile);
    }

    /**
     * @param warmup        untimed passes before each timed phase, at least
     * @param warmupSeconds and at least this many seconds of them, then more until the JIT compiler is quiet
     *                      ({@link JitWarmup}); 0: exactly {@code warmup} passes
     * @param soakSteps  training steps of the soak after the timed ones (0: none)
     * @param microBatch sequences per forward/backward pass of a training step, gradients accumulated over the
     *                   size's batch (0: the whole batch in one pass)
     * @param torch      also run the PyTorch peer ({@code scripts/bench_model_torch.py}) on the same shapes
     * @param opProfile  after the timed runs, one more forward pass and training step with every graph op timed
     *                   (rows of mode {@code op_profile})
     */
    public ModelBench(int warmup, double warmupSeconds, int iterations, int soakSteps, int microBatch, boolean torch,
                      boolean opProfile) {
        this(warmup, warmupSeconds, iterations, soakSteps, microBatch, torch, opProfile, LayerActivations.KEPT);
    }

    /** As above, with the training graph's layer activations kept or recomputed in the backward pass. */
    public ModelBench(int warmup, double warmupSeconds, int iterations, int soakSteps, int microBatch, boolean torch,
                      boolean opProfile, LayerActivations activations) {
        if (warmup < 0 || warmupSeconds < 0 || iterations < 1 || soakSteps < 0 || microBatch < 0) {
            throw new IllegalArgumentException("need warmup >= 0 (passes and seconds), iterations >= 1, soak steps >= 0,"
                    + " micro-batch >= 0");
        }
        this.warmup = warmup;
        this.warmupSeconds = warmupSeconds;
        this.iterations = iterations;
        this.soakSteps = soakSteps;
        this.microBatch = microBatch;
        this.torch = torch;
        this.opProfile = opProfile;
        this.activations = activations;
    }

    /**
     * What a training step of {@code size} holds (weights, gradients, AdamW, one micro-batch's activations) with
     * {@code micro} sequences per forward/backward pass.
     */
    public static MemoryPlan plan(BenchSize size, int micro) {
        return plan(size, micro, LayerActivations.KEPT);
    }

    /** As {@link #plan(BenchSize, int)} with the layers' activations kept or recomputed. */
    public static MemoryPlan plan(BenchSize size, int micro, LayerActivations activations) {
        int b = size.batch(), t = size.seqLen();
        return MemoryPlan.training(String.format(Locale.ROOT, "a training step of %s (%d x %d tokens, micro-batch %d)",
                        size.label(), b, t, micro), size.config(),
                new MemoryPlan.Shape(1, micro, t, micro < b, 0, 0, 0, 0, false).with(activations));
    }

    private void requireFits(BenchSize size, int micro, MemoryPlan.Budget budget) {
        List<MemoryPlan.Alternative> alts = micro > 1
                ? List.of(new MemoryPlan.Alternative("--micro-batch 1", plan(size, 1, activations))) : List.of();
        String fitting = java.util.Arrays.stream(BenchSize.values()).filter(s -> plan(s, 1).fits(budget))
                .map(BenchSize::label).collect(java.util.stream.Collectors.joining(", "));
        plan(size, micro, activations).requireFits(budget, alts, fitting.isEmpty() ? "no benchmark size fits this machine"
                : "sizes whose step fits with --micro-batch 1: --sizes " + fitting);
    }

    public List<BenchResult> run(BenchSize size, Consumer<BenchResult> out) {
        int b = size.batch(), t = size.seqLen();
        int micro = microBatch == 0 ? b : Math.min(microBatch, b);
        if (b % micro != 0) {
            throw new IllegalArgumentException("micro-batch " + micro + " does not divide the batch of " + b);
        }
        requireFits(size, micro, MemoryPlan.Budget.ofThisProcess());
        OffHeapMemory.endPhase(); // what an earlier size left
        ProcessStats.resetPeakRss();
        long t0 = System.nanoTime();
        ModelWeights weights = ModelWeights.initialize(size.config(), 0.02, 7);
        StudentModel model = StudentModel.of(weights, null, activations);
        NextTokenLoss.attach(model);
        double build = (System.nanoTime() - t0) / 1e9;
        Map<String, INDArray> ph = placeholders(size, 0, b, b, t);
        List<Map<String, INDArray>> micros = new ArrayList<>();
        for (int s = 0; s < b; s += micro) {
            micros.add(micro == b ? ph : placeholders(size, s, micro, b, t));
        }
        List<BenchResult> results = new ArrayList<>();

        // at most one collection per 2 s, as the trainers' scoring passes get: without it the arrays SameDiff
        // leaves to the collector piled up over a long warm-up (small: 1.8 GB after 10 passes, 2.7-4.1 GB after 35)
        OffHeapMemory forwardMemory = new OffHeapMemory(2000);
        Runnable forward = () -> {
            GradientRunner.release(model.graph().output(ph, NextTokenLoss.LOSS));
            forwardMemory.collect();
        };
        double fwd = time(forward);
        long tokens = (long) b * t;
        results.add(result(size, "forward", tokens / fwd, fwd, size.forwardFlops(tokens, t) / fwd)
                .withExtra(Map.of("build_seconds", build, "warmup_passes", warmupPasses)));
        out.accept(results.get(results.size() - 1));
        // the training step's memory is measured on its own: the forward pass's cached arrays (whole batch,
        // other shapes than micro-batches) are handed back and the peak starts again
        OffHeapMemory.endPhase();
        ProcessStats.resetPeakRss();

        AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0.0);
        GradientRunner runner = new GradientRunner(model.graph(), new ArrayList<>(weights.tensors().keySet()),
                List.of(NextTokenLoss.LOSS));
        // micro-batches: a collection after every pass, as SameDiff leaves some of a pass's off-heap arrays to
        // the collector (small, micro-batch 2: peak 2.19 GB with at most one collection per 2 s, 1.95 GB with one
        // per pass); the whole batch: at most one per 2 s, as the trainers do
        OffHeapMemory memory = new OffHeapMemory(micros.size() > 1 ? 0 : 2000);
        Map<String, INDArray> sum = new HashMap<>();
        if (micros.size() > 1) {
            weights.tensors().forEach((k, v) -> sum.put(k, Nd4j.zeros(v.dataType(), v.shape())));
        }
        Runnable step = () -> {
            if (micros.size() == 1) {
                try (GradientRunner.Result r = runner.run(micros.get(0))) {
                    update(adam, weights, r.gradients());
                }
            } else {
                sum.values().forEach(a -> a.assign(0));
                for (Map<String, INDArray> m : micros) {
                    runner.accumulate(m, sum).close(); // as the trainers do: most gradients added as computed
                    memory.collect();
                }
                update(adam, weights, sum);
            }
            memory.collect();
        };
        double train = time(step);
        results.add(result(size, "train", tokens / train, train, 3 * size.forwardFlops(tokens, t) / train)
                .withExtra(Map.of("micro_batch", micro, "build_seconds", build, "warmup_passes", warmupPasses,
                        "recompute_layers", activations == LayerActivations.RECOMPUTED)));
        out.accept(results.get(results.size() - 1));
        if (opProfile) {
            for (BenchResult r : List.of(profile(size, "forward", forward), profile(size, "train", step))) {
                results.add(r);
                out.accept(r);
            }
        }
        if (soakSteps > 0) {
            results.add(soak(size, step, tokens));
            out.accept(results.get(results.size() - 1));
        }
        if (torch) {
            for (BenchResult r : torch(size, micro)) {
                results.add(r);
                out.accept(r);
            }
        }
        return results;
    }

    /**
     * The PyTorch peer's rows (mode {@code torch}, phase forward and train) on the same shapes and batch; none
     * when no python here imports torch (said on standard error).
     */
    List<BenchResult> torch(BenchSize size, int micro) {
        Optional<Path> script = TorchPeer.script(TORCH_SCRIPT);
        Optional<String> python = script.isPresent() ? TorchPeer.python() : Optional.empty();
        if (python.isEmpty()) {
            System.err.println("torch: skipped, " + (script.isEmpty() ? "scripts/" + TORCH_SCRIPT + " not found"
                    : "no python3 here can import torch (Debian: apt-get install python3-torch)"));
            return List.of();
        }
        Path config = null;
        try {
            config = Files.createTempFile("thinktune-bench-" + size.label(), ".json");
            Files.writeString(config, size.config().toJsonString());
            List<BenchResult> rows = new ArrayList<>();
            for (JsonNode r : TorchPeer.runJsonLines(List.of(python.get(), script.get().toString(), "--config",
                    config.toString(), "--size", size.label(), "--batch", Integer.toString(size.batch()), "--seq",
                    Integer.toString(size.seqLen()), "--micro-batch", Integer.toString(micro), "--warmup",
                    Integer.toString(warmup), "--iterations", Integer.toString(iterations), "--threads", "2"))) {
                String phase = r.path("mode").asText().replaceFirst("^torch-", "");
                Map<String, Object> extra = new TreeMap<>();
                extra.put("phase", phase);
                extra.put("seq_len", r.path("seq_len").asInt());
                extra.put("build_seconds", r.path("build_seconds").asDouble());
                extra.put("threads", r.path("threads").asInt());
                extra.put("parameters", r.path("parameters").asLong());
                if (r.has("micro_batch")) {
                    extra.put("micro_batch", r.path("micro_batch").asInt());
                }
                extra.put("note", "PyTorch " + r.path("torch").asText() + " eager, float32; peak RSS of the python "
                        + "process");
                rows.add(new BenchResult("model", size.label(), size.batch(), "torch",
                        r.path("tokens_per_s").asDouble(),
                        r.path("seconds").asDouble(), r.path("peak_rss_mb").asDouble(), extra));
            }
            return rows;
        } catch (IOException e) {
            System.err.println("torch: " + size.label() + " failed: " + e.getMessage());
            return List.of();
        } finally {
            if (config != null) {
                try {
                    Files.deleteIfExists(config);
                } catch (IOException e) {
                    // a temp file left behind
                }
            }
        }
    }

    /**
     * {@code phase} run once with every graph op timed: a row of mode {@code op_profile} whose {@code ops} list
     * each op kind's calls and seconds (the most first), {@code op_seconds} their sum and {@code seconds} the
     * whole run's; {@code clipping_seconds} and {@code adamw_seconds} the update's (0 for a forward pass). The rest
     * is SameDiff's own work between ops and the collections after passes.
     */
    private BenchResult profile(BenchSize size, String phase, Runnable run) {
        long t0 = System.nanoTime();
        List<Map<String, Object>> ops = new ArrayList<>();
        double opSeconds;
        clipNanos = 0;
        adamNanos = 0;
        try (OpProfile p = OpProfile.start()) {
            run.run();
            opSeconds = p.totalSeconds();
            for (OpProfile.Entry e : p.entries()) {
                Map<String, Object> op = new java.util.LinkedHashMap<>();
                op.put("op", e.op());
                op.put("calls", e.calls());
                op.put("seconds", Math.round(e.seconds() * 1e4) / 1e4);
                ops.add(op);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new BenchResult("model", size.label(), size.batch(), "op_profile", 0, seconds,
                ProcessStats.peakRssMb(), Map.of("phase", phase, "op_seconds", opSeconds, "ops", ops,
                "clipping_seconds", clipNanos / 1e9, "adamw_seconds", adamNanos / 1e9));
    }

    private void update(AdamW adam, ModelWeights weights, Map<String, INDArray> grads) {
        long t0 = System.nanoTime();
        GradientClipping.clip(grads, 1.0);
        long t1 = System.nanoTime();
        adam.apply(weights.tensors(), grads, 1e-4);
        clipNanos += t1 - t0;
        adamNanos += System.nanoTime() - t1;
    }

    /**
     * Runs the training step {@code soakSteps} times and reports the resident memory after the first tenth
     * (once every buffer has been allocated), its maximum after that, and the resident memory and committed
     * Java heap at each tenth: flat memory shows nothing accumulates per step.
     */
    private BenchResult soak(BenchSize size, Runnable step, long tokens) {
        int settle = Math.max(1, soakSteps / 10);
        double rssSettled = 0, maxAfter = 0;
        List<Long> rssByTenth = new ArrayList<>();
        List<Long> heapByTenth = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 1; i <= soakSteps; i++) {
            step.run();
            double rss = ProcessStats.rssMb();
            if (i == settle) {
                rssSettled = rss;
            } else if (i > settle) {
                maxAfter = Math.max(maxAfter, rss);
            }
            if (i % settle == 0) {
                rssByTenth.add(Math.round(rss));
                heapByTenth.add(Runtime.getRuntime().totalMemory() >> 20);
                System.err.printf("soak %s: step %d/%d, %.0f MB resident, %.2f s a step%n", size.label(), i,
                        soakSteps, rss, (System.nanoTime() - t0) / 1e9 / i);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9 / soakSteps;
        double rssMax = Math.max(maxAfter, rssSettled);
        BenchResult r = result(size, "train-soak", tokens / seconds, seconds, 3 * size.forwardFlops(tokens,
                size.seqLen()) / seconds);
        Map<String, Object> extra = new HashMap<>();
        extra.put("steps", soakSteps);
        extra.put("rss_after_settle_mb", rssSettled);
        extra.put("rss_max_after_settle_mb", rssMax);
        extra.put("rss_growth_mb", rssMax - rssSettled);
        extra.put("rss_each_tenth_mb", rssByTenth);
        extra.put("java_heap_committed_each_tenth_mb", heapByTenth);
        return r.withExtra(extra);
    }

    private BenchResult result(BenchSize size, String mode, double tps, double seconds, double flops) {
        Map<String, Object> extra = new HashMap<>();
        extra.put("gflop_per_s", flops / 1e9);
        extra.put("seq_len", size.seqLen());
        extra.put("rss_mb", ProcessStats.rssMb());
        return new BenchResult("model", size.label(), size.batch(), mode, tps, seconds, ProcessStats.peakRssMb(),
                new TreeMap<>(extra));
    }

    /** Untimed passes of the last phase timed (at least {@code warmup}: see {@link JitWarmup}). */
    private int warmupPasses;

    /** Median seconds of one call after warm-up. */
    private double time(Runnable r) {
        warmupPasses = JitWarmup.run(r, warmup, warmupSeconds);
        double[] s = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            r.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(s);
        return s[iterations / 2];
    }

    /**
     * Placeholders of sequences {@code first .. first+count-1} of a fixed random batch of {@code batch}
     * sequences of {@code t} tokens; the loss is normalised by the whole batch's tokens, so micro-batch
     * gradients add up to the batch's.
     */
    static Map<String, INDArray> placeholders(BenchSize size, int first, int count, int batch, int t) {
        SplittableRandom rng = new SplittableRandom(11);
        List<int[]> seqs = new ArrayList<>();
        for (int i = 0; i < first + count; i++) {
            int[] s = new int[t];
            for (int j = 0; j < t; j++) {
                s[j] = 3 + rng.nextInt(size.config().vocabSize() - 3);
            }
            if (i >= first) {
                seqs.add(s);
            }
        }
        Map<String, INDArray> ph = new HashMap<>(TokenBatch.rightPadded(seqs, 0).placeholders());
        ph.put(NextTokenLoss.LOSS_MASK, Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, count, t - 1));
        ph.put(NextTokenLoss.NUM_TOKENS, Nd4j.scalar((float) ((long) batch * (t - 1))));
        return ph;
    }
}
