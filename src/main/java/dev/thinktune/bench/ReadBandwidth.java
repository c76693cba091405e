package dev.thinktune.bench;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machine's memory read bandwidth as the decoder sees it: a timed streaming read of a Java int array far
 * larger than the caches, split over the given number of threads, with the same vector loads as the bfloat16
 * kernel. The best of several passes, in bytes per second: by the wall clock, and by the threads' own CPU time
 * (what the read would take if no other process competed for the cores; on a shared machine the wall-clock
 * figure is the lower).
 */
public final class ReadBandwidth {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private ReadBandwidth() {
    }

    /** Read bandwidth in bytes per second by the wall clock and by the reading threads' CPU time. */
    public record Result(double wallBytesPerSecond, double cpuBytesPerSecond) {
    }

    /** Reads {@code bytes} (rounded to whole vectors) with {@code threads} threads, best of {@code passes}. */
    public static Result measure(long bytes, int threads, int passes) {
        int block = 4 * I.length() * threads;
        int n = (int) (Math.min(Integer.MAX_VALUE - 64L, bytes / 4) / block * block);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = Double.POSITIVE_INFINITY;
            double bestCpu = Double.POSITIVE_INFINITY;
            long sink = 0;
            // compiled on a cached slice first: a first pass over the whole array would run interpreted until
            // on-stack replacement, allocating every vector (gigabytes of garbage in the bench's resident peak)
            int slice = Math.min(n, 4096 / block * block);
            for (int k = 0; k < 20_000 && slice > 0; k++) {
                sink += sum(a, 0, slice);
            }
            for (int pass = 0; pass < passes + 1; pass++) { // the first pass warms the page tables up
                List<Callable<long[]>> jobs = new ArrayList<>();
                int share = n / threads;
                for (int t = 0; t < threads; t++) {
                    int from = t * share;
                    jobs.add(() -> {
                        long c0 = CPU.getCurrentThreadCpuTime();
                        long sum = sum(a, from, from + share);
                        return new long[]{sum, CPU.getCurrentThreadCpuTime() - c0};
                    });
                }
                long t0 = System.nanoTime();
                long slowest = 0;
                for (Future<long[]> f : pool.invokeAll(jobs)) {
                    sink += f.get()[0];
                    slowest = Math.max(slowest, f.get()[1]);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                if (pass > 0) {
                    best = Math.min(best, s);
                    bestCpu = Math.min(bestCpu, slowest / 1e9);
                }
            }
            if (sink == 42) {
                System.out.print(""); // keeps the sums alive
            }
            return new Result(4.0 * n / best, 4.0 * n / bestCpu);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static long sum(int[] a, int from, int to) {
        IntVector acc0 = IntVector.zero(I), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int l = I.length();
        for (int i = from; i < to; i += 4 * l) {
            acc0 = acc0.add(IntVector.fromArray(I, a, i));
            acc1 = acc1.add(IntVector.fromArray(I, a, i + l));
            acc2 = acc2.add(IntVector.fromArray(I, a, i + 2 * l));
            acc3 = acc3.add(IntVector.fromArray(I, a, i + 3 * l));
        }
        return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
