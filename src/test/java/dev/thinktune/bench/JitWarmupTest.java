package dev.thinktune.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JitWarmupTest {
    private static final long MS = 1_000_000L;

    /**
     * Passes of {@code millisPerPass} ms each before which a compiler working {@code compileMillis} ms during each of
     * the first {@code busyPasses} passes is found quiet.
     */
    private static int passes(int minimumPasses, double minimumSeconds, int busyPasses, long compileMillis,
                              long millisPerPass) {
        AtomicInteger ran = new AtomicInteger();
        AtomicLong compiled = new AtomicLong(), clock = new AtomicLong();
        int passes = JitWarmup.run(() -> {
            if (ran.getAndIncrement() < busyPasses) {
                compiled.addAndGet(compileMillis);
            }
            clock.addAndGet(millisPerPass * MS);
        }, minimumPasses, minimumSeconds, compiled::get, clock::get);
        assertEquals(ran.get(), passes, "the passes reported are the passes run");
        return passes;
    }

    @Test
    void warmsUpUntilTheLastSecondOfPassesSawNoCompilation() {
        // 100 ms passes, the first 40 compiling 20 ms each: quiet once the last 10 passes (one second) held at
        // most 2 of them (40 ms; 3 are 60 ms, over the 5% allowed)
        assertEquals(48, passes(10, 0.001, 40, 20, 100));
        // 500 ms passes: a second is 2 passes, but the window is at least 3 (1.5 s: 75 ms of compilation allowed);
        // 20 ms a pass is 4% of the time, quiet at once; 30 ms is 6%, quiet when at most two of three compiled
        assertEquals(10, passes(10, 0.001, 40, 20, 500));
        assertEquals(41, passes(10, 0.001, 40, 30, 500));
    }

    @Test
    void runsAtLeastTheMinimumPassesAndSecondsEvenWhenTheCompilerIsQuiet() {
        assertEquals(10, passes(10, 0.001, 0, 0, 500));
        assertEquals(3, passes(0, 0.001, 0, 0, 500));       // one window
        assertEquals(100, passes(10, 10, 0, 0, 100));       // ten seconds of 100 ms passes
    }

    @Test
    void noMinimumSecondsRunsExactlyTheMinimumPasses() {
        assertEquals(7, passes(7, 0, Integer.MAX_VALUE, 50, 100));
        assertEquals(0, passes(0, 0, Integer.MAX_VALUE, 50, 100));
    }

    @Test
    void aLittleCompilationCountsAsQuiet() {
        // 10 ms a pass, 200 ms passes: 50 ms over the five passes of a second, at the threshold
        assertEquals(10, passes(10, 0.001, 1000, 10, 200));
        // 11 ms a pass, the first 20: over it until the window (five passes) holds at most 4 of them
        assertEquals(21, passes(10, 0.001, 20, 11, 200));
    }

    @Test
    void stopsAfterSixtySecondsWhileTheCompilerStillWorks() {
        assertEquals(30, passes(10, 0.001, Integer.MAX_VALUE, 500, 2000));
        // long passes that compile little are quiet: 150 ms over three 2 s passes
        assertEquals(10, passes(10, 0.001, Integer.MAX_VALUE, 50, 2000));
    }
}
