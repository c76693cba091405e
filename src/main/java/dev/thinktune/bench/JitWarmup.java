package dev.thinktune.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Untimed passes before a timed phase until the JIT compiler has gone quiet: at least a minimum number of passes
 * and of seconds (none: exactly the minimum passes), then more until the passes of the last
 * {@link #WINDOW_SECONDS} second (at least {@link #WINDOW_PASSES} of them) spent at most {@link #QUIET_SHARE} of their time compiling, and at most
 * {@link #MAX_SECONDS} seconds in all. The graph's Java kernels (Vector API) and SameDiff's own code are compiled
 * only after many calls, and HotSpot keeps compiling for many seconds: on the 2-core machine the tiny model's
 * forward pass takes 50-160 ms while the compiler, sharing the cores, is at work (600-1,000 ms of compilation a
 * second), and 18-25 ms from about 10 s on, when the compiler is down to 50-100 ms a second; waiting until it is
 * fully idle (under 10 ms a second, after 25-40 s) gained nothing more. The small model's settles within 10 passes.
 */
final class JitWarmup {
    static final double WINDOW_SECONDS = 1.0;
    static final int WINDOW_PASSES = 3;
    /** The compiler's time over the window's, at most (50 ms a second). */
    static final double QUIET_SHARE = 0.05;
    static final double MAX_SECONDS = 60;

    private JitWarmup() {
    }

    /** The passes run: see the class comment. */
    static int run(Runnable pass, int minimumPasses, double minimumSeconds) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        LongSupplier compileMillis = jit != null && jit.isCompilationTimeMonitoringSupported()
                ? jit::getTotalCompilationTime : () -> 0L;
        return run(pass, minimumPasses, minimumSeconds, compileMillis, System::nanoTime);
    }

    /** As {@link #run(Runnable, int, double)} with the compiler's cumulative milliseconds and the clock given. */
    static int run(Runnable pass, int minimumPasses, double minimumSeconds, LongSupplier compileMillis,
                   LongSupplier nanoClock) {
        if (minimumSeconds <= 0) {
            for (int i = 0; i < minimumPasses; i++) {
                pass.run();
            }
            return minimumPasses;
        }
        long start = nanoClock.getAsLong();
        List<long[]> marks = new ArrayList<>();          // {nanos, compile ms} before each pass
        int passes = 0;
        while (true) {
            long now = nanoClock.getAsLong(), compiled = compileMillis.getAsLong();
            marks.add(new long[]{now, compiled});
            // the window starts at the newest mark at least WINDOW_SECONDS and WINDOW_PASSES back
            int from = passes - WINDOW_PASSES;
            while (from >= 0 && now - marks.get(from)[0] < WINDOW_SECONDS * 1e9) {
                from--;
            }
            boolean quiet = from >= 0
                    && compiled - marks.get(from)[1] <= QUIET_SHARE * (now - marks.get(from)[0]) / 1e6;
            double seconds = (now - start) / 1e9;
            if (passes >= minimumPasses && seconds >= minimumSeconds && (quiet || seconds >= MAX_SECONDS)) {
                return passes;
            }
            pass.run();
            passes++;
        }
    }
}
