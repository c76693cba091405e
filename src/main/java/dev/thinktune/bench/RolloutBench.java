package dev.thinktune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.GenerationRequest;
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
 * The sizes are {@link BenchSize}'s (separate LM head). Timings include the prefill. Rows are
 * {@link BenchResult}s with {@code bench = "rollout"}; extras: {@code median_seconds}, {@code new_tokens},
 * {@code threads}, and a {@code note} where a number is extrapolated or comes from elsewhere.
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
     */
    public record Settings(List<String> sizes, List<Integer> batches, int prompt, int newTokens, int repeats,
                           int threads, double nocacheBudget, boolean torch, long seed) {
        public Settings {
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
            return new Settings(List.of("tiny", "small"), List.of(8, 64), 32, 64, 3, 0, 20.0, true, 0L);
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

    /** Runs every row: the engine's first (its peak memory is then its own), then no-cache, then torch. */
    public static List<BenchResult> run(Settings s, Consumer<BenchResult> sink, Consumer<String> log) {
        List<BenchResult> all = new ArrayList<>();
        Consumer<BenchResult> out = r -> {
            all.add(r);
            sink.accept(r);
        };
        for (String size : s.sizes()) {
            ModelWeights w = ModelWeights.initialize(BenchSize.of(size).config(), 0.02, s.seed());
            for (int batch : s.batches()) {
                out.accept(cache(size, w, batch, s));
            }
        }
        for (String size : s.sizes()) {
            ModelWeights w = ModelWeights.initialize(BenchSize.of(size).config(), 0.02, s.seed());
            StudentModel model = StudentModel.of(w);
            for (int batch : s.batches()) {
                out.accept(noCache(size, model, batch, s));
            }
        }
        if (s.torch()) {
            torch(s, out, log);
        }
        return all;
    }

    static List<int[]> prompts(int vocab, int batch, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<int[]> ps = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            ps.add(rng.ints(length, 3, vocab).toArray());
        }
        return ps;
    }

    /** The rollout engine on {@code batch} prompts, one continuation each. */
    public static BenchResult cache(String size, ModelWeights w, int batch, Settings s) {
        resetPeakRss();
        List<int[]> ps = prompts(w.config().vocabSize(), batch, s.prompt(), s.seed());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            reqs.add(new GenerationRequest(ps.get(b), 1,
                    SamplingParams.sampling(s.newTokens(), Set.of(), s.seed() + b)));
        }
        double[] times = new double[s.repeats()];
        long tokens = 0;
        try (RolloutEngine engine = RolloutEngine.create(w, RolloutEngine.Options.defaults()
                .withThreads(s.effectiveThreads()))) {
            engine.generate(reqs); // warm-up: compiles the kernels
            for (int i = 0; i < times.length; i++) {
                long t0 = System.nanoTime();
                List<List<Completion>> out = engine.generate(reqs);
                times[i] = (System.nanoTime() - t0) / 1e9;
                tokens = out.stream().flatMap(List::stream).mapToLong(Completion::length).sum();
            }
        }
        Arrays.sort(times);
        return result(size, batch, "cache", times[0], times[times.length / 2], tokens, s.effectiveThreads(), null);
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
