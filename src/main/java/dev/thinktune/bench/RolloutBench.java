package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Rollout throughput: new tokens generated per second over all sequences, for random-weight students of two
 * sizes, batches of prompts of equal length, sampling at temperature 1 with no early stop. Three ways:
 * <ul>
 *   <li>{@code nocache}: the SameDiff training graph ({@code StudentModel.logits}) recomputed over the whole
 *       sequence at every step, the baseline; when a run would exceed its time budget, the first steps are timed
 *       and the rest extrapolated with the step time proportional to the context length (the row says so);</li>
 *   <li>{@code cache}: {@link RolloutEngine} (prefill once, key/value cache, the Java decoder);</li>
 *   <li>{@code torch}: the same architecture and workload in PyTorch eager on the CPU with a key/value cache
 *       ({@code scripts/bench_rollout_torch.py}), run when {@code python3} can import torch, with as many threads
 *       and {@code OMP_WAIT_POLICY=PASSIVE} unless the environment sets it.</li>
 * </ul>
 * The sizes are {@link BenchSize}'s. Timings include the prefill. Rows are {@link BenchResult}s with
 * {@code bench = "rollout"}; extras: {@code median_seconds}, {@code new_tokens}, {@code threads}, and a
 * {@code note} where a number is extrapolated or comes from elsewhere.
 *
 * <p>The real shapes ({@code smollm2-135m}, {@code smollm2-135m-v128k}, {@code llama-3.2-1b}, {@code llama-3.2-3b},
 * {@code qwen2.5-0.5b})
 * run as users run them: a seeded random bfloat16 checkpoint written by {@link RandomCheckpoint} (or reused),
 * the engine built straight from it (mode {@code bf16}). Their rows add {@code load_seconds},
 * {@code decode_tokens_per_s} (the steps after the first token), {@code weight_bytes_per_step}, the machine's
 * {@code read_gb_per_s} ({@link ReadBandwidth}, same thread count), the bound it sets,
 * {@code bound_tokens_per_s = batch * bandwidth / bytes per step}, and {@code bound_fraction}, the decode rate
 * over that bound. No-cache rows are not run for them; the PyTorch row runs for {@code smollm2-135m}.
 */
public final class RolloutBench {
    public static final String NAME = "rollout";

    private RolloutBench() {
    }

    /**
     * What to run.
     *
     * @param sizes          model sizes ({@code tiny}, {@code small})
     * @param batches        sequences per run
     * @param prompt         prompt tokens per sequence
     * @param newTokens      new tokens per sequence
     * @param repeats        timed runs per row (the fastest is reported, the median beside it)
     * @param threads        decoder threads and torch threads (0 = available processors)
     * @param nocacheBudget  seconds a no-cache row may take before the rest is extrapolated
     * @param torch          also run the PyTorch script
     * @param seed           weights, prompts and sampling seed
     * @param checkpoints    for the real shapes: a directory holding one checkpoint per size label, reused when
     *                       there and written there when not; null = write each into a temporary directory
     * @param loraRank       0 = the model alone; r above 0: the engine also carries seeded random rank-r adapters
     *                       on all seven projections, and each engine row is measured with them and without them
     *                       (switched off on the same engine), the two ways alternating run by run
     */
    public record Settings(List<String> sizes, List<Integer> batches, int prompt, int newTokens, int repeats,
                           int threads, double nocacheBudget, boolean torch, long seed, Path checkpoints,
                           int loraRank) {
        public Settings(List<String> sizes, List<Integer> batches, int prompt, int newTokens, int repeats,
                        int threads, double nocacheBudget, boolean torch, long seed, Path checkpoints) {
            this(sizes, batches, prompt, newTokens, repeats, threads, nocacheBudget, torch, seed, checkpoints, 0);
        }

        public Settings {
            if (loraRank < 0) {
                throw new IllegalArgumentException("the adapters' rank must be >= 0 (0 = none), got " + loraRank);
            }
            sizes = List.copyOf(sizes);
            batches = List.copyOf(batches);
            for (String s : sizes) {
                BenchSize.of(s);
            }
            if (prompt < 1 || newTokens < 1 || repeats < 1 || threads < 0) {
                throw new IllegalArgumentException("prompt, new tokens and repeats must be >= 1, threads >= 0");
            }
        }

        public static Settings defaults() {
            return new Settings(List.of("tiny", "small"), List.of(8, 64), 32, 64, 3, 0, 20.0, true, 0L, null);
        }

        public Settings withNewTokens(int n) {
            return new Settings(sizes, batches, prompt, n, repeats, threads, nocacheBudget, torch, seed, checkpoints,
                    loraRank);
        }

        public int effectiveThreads() {
            return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        }
    }

    private static BenchResult result(String size, int batch, String mode, double seconds, double median,
                                      long tokens, int threads, String note) {
        Map<String, Object> extra = new TreeMap<>();
        if (Double.isFinite(median)) {
            extra.put("median_seconds", median);
        }
        extra.put("new_tokens", tokens);
        extra.put("threads", threads);
        if (note != null) {
            extra.put("note", note);
        }
        return new BenchResult(NAME, size, batch, mode, tokens / seconds, seconds, ProcessStats.peakRssMb(), extra);
    }

    /**
     * Whether {@code size} is a real checkpoint's shape: its rows run the engine built from a bfloat16 checkpoint
     * on disk ({@link #checkpointRow}); tiny and small run from float32 arrays (cache, nocache).
     */
    static boolean realShape(String size) {
        BenchSize s = BenchSize.of(size);
        return s != BenchSize.TINY && s != BenchSize.SMALL;
    }

    /** Sizes the PyTorch script knows. */
    private static final Set<String> TORCH_SIZES = Set.of("tiny", "small", "smollm2-135m");

    /**
     * Runs every row: the engine's first (its peak memory is then its own), real shapes from their bfloat16
     * checkpoints (then the read bandwidth, which their rows need), then no-cache, then torch.
     */
    public static List<BenchResult> run(Settings s, Consumer<BenchResult> sink, Consumer<String> log) {
        List<BenchResult> all = new ArrayList<>();
        Consumer<BenchResult> out = r -> {
            all.add(r);
            sink.accept(r);
        };
        List<String> arrays = s.sizes().stream().filter(z -> !realShape(z)).toList();
        List<String> real = s.sizes().stream().filter(RolloutBench::realShape).toList();
        for (String size : arrays) {
            ModelWeights w = ModelWeights.initialize(BenchSize.of(size).config(), 0.02, s.seed());
            for (int batch : s.batches()) {
                cache(size, w, batch, s).forEach(out);
            }
        }
        if (!real.isEmpty()) {
            List<Measured> rows = new ArrayList<>();
            for (String size : real) {
                Checkpoint ck = checkpoint(size, s, log);
                try {
                    for (int batch : s.batches()) {
                        log.accept(size + ", batch " + batch + ": loading " + ck.dir());
                        rows.addAll(checkpointRows(size, ck.dir(), batch, s));
                    }
                } finally {
                    ck.discard();
                }
            }
            System.gc();
            ReadBandwidth.Result bandwidth = ReadBandwidth.measure(BANDWIDTH_BYTES, s.effectiveThreads(), 3);
            log.accept(String.format(java.util.Locale.ROOT, "read bandwidth: %.2f GB/s by the clock, %.2f GB/s by CPU"
                            + " time (%d threads, %d MB int array)", bandwidth.wallBytesPerSecond() / 1e9,
                    bandwidth.cpuBytesPerSecond() / 1e9, s.effectiveThreads(), BANDWIDTH_BYTES >> 20));
            rows.forEach(r -> out.accept(r.withBandwidth(bandwidth)));
        }
        for (String size : arrays) {
            ModelWeights w = ModelWeights.initialize(BenchSize.of(size).config(), 0.02, s.seed());
            StudentModel model = StudentModel.of(w);
            for (int batch : s.batches()) {
                out.accept(noCache(size, model, batch, s));
            }
        }
        if (!real.isEmpty()) {
            log.accept("nocache: not run for " + real + " (the SameDiff graph recomputing every step at real sizes"
                    + " takes minutes a token)");
        }
        if (s.torch()) {
            torch(s, out, log);
        }
        return all;
    }

    /** Bytes of the array the read bandwidth is measured on: far beyond any cache. */
    static final long BANDWIDTH_BYTES = 512L << 20;

    /** A checkpoint directory for a real shape, in {@code scratch} when the bench made it only for this run. */
    private record Checkpoint(Path dir, ScratchDirectory scratch) {
        void discard() {
            if (scratch != null) {
                scratch.close();
            }
        }
    }

    /** The checkpoint of {@code size}: reused from {@code --checkpoint DIR/<size>}, else written (there or in /tmp). */
    private static Checkpoint checkpoint(String size, Settings s, Consumer<String> log) {
        LlamaConfig config = BenchSize.of(size).config();
        try {
            Path dir;
            ScratchDirectory scratch = null;
            if (s.checkpoints() == null) {
                scratch = ScratchDirectory.create("thinktune-bench-");
                dir = scratch.path().resolve(size);
            } else {
                dir = s.checkpoints().resolve(size);
                if (HfCheckpoint.isCheckpoint(dir)) {
                    if (!HfCheckpoint.readConfig(dir).equals(config)) {
                        throw new IllegalArgumentException(dir + " holds another architecture than " + size
                                + "; remove it or give another --checkpoint directory");
                    }
                    log.accept(size + ": reusing " + dir);
                    return new Checkpoint(dir, null);
                }
            }
            log.accept(size + ": writing a random bfloat16 checkpoint to " + dir);
            try {
                RandomCheckpoint.write(config, dir, s.seed(), RandomCheckpoint.HUB_SHARD_BYTES,
                        line -> log.accept("  " + line));
            } catch (RuntimeException | Error e) {
                if (scratch != null) {
                    scratch.close();
                }
                throw e;
            }
            return new Checkpoint(dir, scratch);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A real-shape row before the read bandwidth is known: decode rates by the wall clock and by CPU time (new
     * tokens per second of the team's threads' CPU time times the thread count: the rate if no other process
     * competed for the cores), each set against the bandwidth measured the same way.
     */
    record Measured(BenchResult row, long bytesPerStep, double decodeTokensPerSecond,
                    double decodeTokensPerCpuSecond, int batch) {
        BenchResult withBandwidth(ReadBandwidth.Result bandwidth) {
            double bound = batch * bandwidth.wallBytesPerSecond() / bytesPerStep;
            double cpuBound = batch * bandwidth.cpuBytesPerSecond() / bytesPerStep;
            Map<String, Object> extra = new TreeMap<>();
            extra.put("read_gb_per_s", bandwidth.wallBytesPerSecond() / 1e9);
            extra.put("bound_tokens_per_s", bound);
            extra.put("bound_fraction", decodeTokensPerSecond / bound);
            extra.put("cpu_read_gb_per_s", bandwidth.cpuBytesPerSecond() / 1e9);
            extra.put("cpu_bound_tokens_per_s", cpuBound);
            extra.put("cpu_decode_tokens_per_s", decodeTokensPerCpuSecond);
            extra.put("cpu_bound_fraction", decodeTokensPerCpuSecond / cpuBound);
            return row.withExtra(extra);
        }
    }

    /**
     * The engine built from the checkpoint in {@code dir} on {@code batch} prompts: load time, new tokens per
     * second over the whole run (prefill included, as the other rows), and decode steps alone (from the first
     * sampled token to the last), the weight bytes each step reads and the process's peak resident memory. With
     * {@link Settings#loraRank} two rows, {@code bf16} (adapters off) and {@code bf16+lora<r>}, from alternating
     * runs of the one engine; the second adds {@code decode_overhead}, its median decode time over the first's,
     * minus one.
     */
    static List<Measured> checkpointRows(String size, Path dir, int batch, Settings s) {
        System.gc();
        resetPeakRss();
        long t0 = System.nanoTime();
        long c0 = ProcessStats.cpuNanos();
        RolloutEngine.Options options = RolloutEngine.Options.defaults().withThreads(s.effectiveThreads());
        LoraAdapters adapters = s.loraRank() > 0 ? adapters(HfCheckpoint.readConfig(dir), s) : null;
        try (RolloutEngine engine = adapters == null ? RolloutEngine.create(dir, options)
                : RolloutEngine.create(dir, adapters, options)) {
            double load = (System.nanoTime() - t0) / 1e9;
            double loadCpu = (ProcessStats.cpuNanos() - c0) / 1e9;
            List<GenerationRequest> reqs = requests(engine.config().vocabSize(), batch, s);
            List<Runs> runs = timeAlternately(engine, reqs, requests(engine.config().vocabSize(), batch,
                    s.withNewTokens(Math.min(4, s.newTokens()))), s);
            List<Measured> rows = new ArrayList<>();
            for (int way = 0; way < runs.size(); way++) {
                Runs r = runs.get(way);
                boolean lora = way == 1;
                double steps = (double) batch * (s.newTokens() - 1);
                double decodeRate = s.newTokens() > 1 ? steps / r.decode[0] : Double.NaN;
                double cpuRate = s.newTokens() > 1 ? steps / (r.decodeCpu[0] / s.effectiveThreads()) : Double.NaN;
                BenchResult row = result(size, batch, mode("bf16", lora, s), r.times[0], median(r.times), r.tokens,
                        s.effectiveThreads(), "engine built from a bfloat16 checkpoint on disk; decode = steps after"
                                + " the first token");
                long bytes = engine.weightBytesPerStep() - (lora ? 0 : engine.adapterBytes());
                Map<String, Object> extra = new TreeMap<>();
                extra.put("load_seconds", load);
                extra.put("load_cpu_seconds", loadCpu);
                extra.put("weight_bytes_per_step", bytes);
                extra.put("decode_tokens_per_s", decodeRate);
                extra.put("median_decode_tokens_per_s", steps / median(r.decode));
                loraExtras(extra, lora, engine, runs, s);
                rows.add(new Measured(row.withExtra(extra), bytes, decodeRate, cpuRate, batch));
            }
            return rows;
        }
    }

    /** The median of sorted values. */
    private static double median(double[] sorted) {
        return sorted[sorted.length / 2];
    }

    /** A row's mode: {@code base}, or {@code base+lora<r>} for the way with the adapters on. */
    private static String mode(String base, boolean lora, Settings s) {
        return lora ? base + "+lora" + s.loraRank() : base;
    }

    /**
     * Extras of a row of a run with adapters: their rank and bytes, and on the adapted row its median decode time
     * over the base row's, minus one, by the clock ({@code decode_overhead}) and by the process's CPU time
     * ({@code cpu_decode_overhead}: steadier on a machine that other processes load), and the time
     * {@code refreshWeights()} takes ({@code refresh_ms}).
     */
    private static void loraExtras(Map<String, Object> extra, boolean lora, RolloutEngine engine, List<Runs> runs,
                                   Settings s) {
        if (s.loraRank() == 0) {
            return;
        }
        extra.put("lora_r", lora ? s.loraRank() : 0);
        if (lora) {
            extra.put("adapter_bytes", engine.adapterBytes());
            extra.put("refresh_ms", refreshMillis(engine));
            extra.put("decode_overhead", median(runs.get(1).decode) / median(runs.get(0).decode) - 1);
            extra.put("cpu_decode_overhead", median(runs.get(1).decodeCpu) / median(runs.get(0).decodeCpu) - 1);
        }
    }

    /**
     * The fastest of three {@link RolloutEngine#refreshWeights()} (the adapters copied again, as after an update), in
     * milliseconds: rows keep three decimals, and a small model's copy takes well under one millisecond.
     */
    private static double refreshMillis(RolloutEngine engine) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            engine.refreshWeights();
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return best;
    }

    /**
     * Seeded random adapters of rank {@link Settings#loraRank} on all seven projections: A as PEFT initialises
     * it, B normal(0, 0.01) (the arithmetic does not depend on the values; B is not zero so the adapters count).
     */
    static LoraAdapters adapters(LlamaConfig config, Settings s) {
        LoraAdapters a = LoraAdapters.initialize(new LoraConfig(s.loraRank(), 2.0 * s.loraRank(), 0.0,
                LoraConfig.MODULES), config, s.seed());
        org.nd4j.linalg.api.rng.Random rng = org.nd4j.linalg.factory.Nd4j.getRandomFactory()
                .getNewRandomInstance(s.seed() + 1);
        for (String module : LoraAdapters.modules(a.config(), config)) {
            INDArray b = a.b(module);
            b.assign(org.nd4j.linalg.factory.Nd4j.randn(rng, b.shape()).castTo(b.dataType()).muli(0.01));
        }
        return a;
    }

    /** Sorted times of the repeats of one way of generating: whole runs, decode steps by the clock and by CPU. */
    private record Runs(double[] times, double[] decode, double[] decodeCpu, long tokens) {
    }

    /**
     * Times {@link Settings#repeats} runs of {@code engine} on {@code reqs}, after a run of {@code warmUp}; when the
     * engine has adapters, also with them switched off ({@link RolloutEngine#baseGenerator()}, the first of the
     * result), the two ways alternating so that a change in the machine's load falls on both.
     */
    private static List<Runs> timeAlternately(RolloutEngine engine, List<GenerationRequest> reqs,
                                              List<GenerationRequest> warmUp, Settings s) {
        List<Generator> ways = engine.adapters() == null ? List.of(engine) : List.of(engine.baseGenerator(), engine);
        int n = s.repeats();
        double[][] times = new double[ways.size()][n], decode = new double[ways.size()][n],
                decodeCpu = new double[ways.size()][n];
        long[] tokens = new long[ways.size()];
        long[] first = new long[1], last = new long[1], cpuFirst = new long[1], cpuLast = new long[1];
        Generator.TokenListener stamp = (r, q, tok) -> {
            long now = System.nanoTime();
            if (first[0] == 0) {
                first[0] = now;
                cpuFirst[0] = ProcessStats.cpuNanos();
            }
            last[0] = now;
            cpuLast[0] = ProcessStats.cpuNanos();
        };
        for (Generator g : ways) {
            g.generate(warmUp); // compiles the kernels
        }
        for (int i = 0; i < n; i++) {
            for (int w = 0; w < ways.size(); w++) {
                first[0] = 0;
                long start = System.nanoTime();
                List<List<Completion>> out = ways.get(w).generate(reqs, stamp);
                times[w][i] = (System.nanoTime() - start) / 1e9;
                decode[w][i] = (last[0] - first[0]) / 1e9;
                decodeCpu[w][i] = (cpuLast[0] - cpuFirst[0]) / 1e9;
                tokens[w] = out.stream().flatMap(List::stream).mapToLong(Completion::length).sum();
            }
        }
        List<Runs> runs = new ArrayList<>();
        for (int w = 0; w < ways.size(); w++) {
            Arrays.sort(times[w]);
            Arrays.sort(decode[w]);
            Arrays.sort(decodeCpu[w]);
            runs.add(new Runs(times[w], decode[w], decodeCpu[w], tokens[w]));
        }
        return runs;
    }

    private static List<GenerationRequest> requests(int vocab, int batch, Settings s) {
        List<int[]> ps = prompts(vocab, batch, s.prompt(), s.seed());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            reqs.add(new GenerationRequest(ps.get(b), 1,
                    SamplingParams.sampling(s.newTokens(), Set.of(), s.seed() + b)));
        }
        return reqs;
    }

    static List<int[]> prompts(int vocab, int batch, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<int[]> ps = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            ps.add(rng.ints(length, 3, vocab).toArray());
        }
        return ps;
    }

    /**
     * The rollout engine on {@code batch} prompts, one continuation each; with {@link Settings#loraRank} two rows,
     * {@code cache} (adapters off) and {@code cache+lora<r>}, from alternating runs of the one engine.
     */
    public static List<BenchResult> cache(String size, ModelWeights w, int batch, Settings s) {
        resetPeakRss();
        List<GenerationRequest> reqs = requests(w.config().vocabSize(), batch, s);
        RolloutEngine.Options options = RolloutEngine.Options.defaults().withThreads(s.effectiveThreads());
        LoraAdapters adapters = s.loraRank() > 0 ? adapters(w.config(), s) : null;
        try (RolloutEngine engine = adapters == null ? RolloutEngine.create(w, options)
                : RolloutEngine.create(w, adapters, options)) {
            List<Runs> runs = timeAlternately(engine, reqs, reqs, s);
            List<BenchResult> rows = new ArrayList<>();
            for (int way = 0; way < runs.size(); way++) {
                Runs r = runs.get(way);
                Map<String, Object> extra = new TreeMap<>();
                loraExtras(extra, way == 1, engine, runs, s);
                rows.add(result(size, batch, mode("cache", way == 1, s), r.times[0], median(r.times), r.tokens,
                        s.effectiveThreads(), null).withExtra(extra));
            }
            return rows;
        }
    }

    /** The SameDiff graph over the whole sequence at every step (no cache), sampling at temperature 1. */
    public static BenchResult noCache(String size, StudentModel model, int batch, Settings s) {
        resetPeakRss();
        int vocab = model.config().vocabSize();
        List<int[]> ps = prompts(vocab, batch, s.prompt(), s.seed());
        int total = s.prompt() + s.newTokens();
        int[][] seqs = new int[batch][total];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ps.get(b), 0, seqs[b], 0, s.prompt());
        }
        SplittableRandom rng = new SplittableRandom(s.seed());
        step(model, seqs, s.prompt(), rng); // warm-up
        double measured = 0;
        long measuredContext = 0;
        int steps = 0;
        for (; steps < s.newTokens(); steps++) {
            int len = s.prompt() + steps;
            long t0 = System.nanoTime();
            step(model, seqs, len, rng);
            measured += (System.nanoTime() - t0) / 1e9;
            measuredContext += len;
            if (measured > s.nocacheBudget() && steps >= 1 && steps + 1 < s.newTokens()) {
                steps++;
                break;
            }
        }
        double seconds = measured;
        String note = null;
        if (steps < s.newTokens()) {
            long rest = 0;
            for (int j = steps; j < s.newTokens(); j++) {
                rest += s.prompt() + j;
            }
            seconds += measured / measuredContext * rest;
            note = "timed " + steps + " of " + s.newTokens() + " steps, the rest extrapolated (step time"
                    + " proportional to context length)";
        }
        long tokens = (long) batch * s.newTokens();
        return result(size, batch, "nocache", seconds, Double.NaN, tokens, 1, note);
    }

    /** One no-cache step: logits of all sequences over their first {@code len} tokens, token {@code len} sampled. */
    private static void step(StudentModel model, int[][] seqs, int len, SplittableRandom rng) {
        List<int[]> rows = new ArrayList<>(seqs.length);
        for (int[] s : seqs) {
            rows.add(Arrays.copyOf(s, len));
        }
        INDArray logits = model.logits(TokenBatch.rightPadded(rows, 0));
        float[][] last = logits.get(NDArrayIndex.all(), NDArrayIndex.point(len - 1), NDArrayIndex.all())
                .toFloatMatrix();
        for (int b = 0; b < seqs.length; b++) {
            seqs[b][len] = sample(last[b], rng);
        }
    }

    private static int sample(float[] logits, SplittableRandom rng) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : logits) {
            z += Math.exp(v - max);
        }
        double u = rng.nextDouble() * z, c = 0;
        for (int i = 0; i < logits.length; i++) {
            c += Math.exp(logits[i] - max);
            if (c > u) {
                return i;
            }
        }
        return logits.length - 1;
    }

    // ---------------------------------------------------------------------------------------------------------
    // PyTorch

    /** Runs the PyTorch script for every size and batch; logs why when it cannot. */
    public static void torch(Settings s, Consumer<BenchResult> out, Consumer<String> log) {
        Optional<Path> script = TorchPeer.script("bench_rollout_torch.py");
        if (script.isEmpty()) {
            log.accept("torch: skipped, scripts/bench_rollout_torch.py not found");
            return;
        }
        Optional<String> python = TorchPeer.python();
        if (python.isEmpty()) {
            log.accept("torch: skipped, no python3 here can import torch (Debian: apt-get install python3-torch)");
            return;
        }
        for (String size : s.sizes()) {
            if (!TORCH_SIZES.contains(size)) {
                log.accept("torch: " + size + " skipped (the script has " + new java.util.TreeSet<>(TORCH_SIZES) + ")");
                continue;
            }
            for (int batch : s.batches()) {
                List<String> cmd = new ArrayList<>(List.of(python.get(), script.get().toString(), "--size", size,
                        "--batch", Integer.toString(batch), "--prompt", Integer.toString(s.prompt()), "--new",
                        Integer.toString(s.newTokens()), "--threads", Integer.toString(s.effectiveThreads()),
                        "--repeats", Integer.toString(s.repeats()), "--seed", Long.toString(s.seed())));
                try {
                    for (JsonNode row : TorchPeer.runJsonLines(cmd)) {
                        Map<String, Object> extra = new TreeMap<>();
                        extra.put("median_seconds", row.path("median_seconds").asDouble());
                        extra.put("new_tokens", row.path("new_tokens").asLong());
                        extra.put("threads", row.path("threads").asInt());
                        extra.put("note", "PyTorch " + row.path("torch").asText() + " eager, float32, KV cache;"
                                + " peak RSS of the python process");
                        out.accept(new BenchResult(NAME, row.path("size").asText(size), row.path("batch").asInt(batch),
                                "torch", row.path("tokens_per_s").asDouble(), row.path("seconds").asDouble(),
                                row.path("peak_rss_mb").asDouble(), extra));
                    }
                } catch (IOException e) {
                    log.accept("torch: " + size + " batch " + batch + " failed: " + e.getMessage());
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // memory

    /** Resets VmHWM to the current resident size (Linux: "5" to clear_refs), so each row reports its own peak. */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // then VmHWM is the process's peak so far
        }
    }
}
