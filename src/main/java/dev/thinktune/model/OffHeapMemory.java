package dev.thinktune.model;

import org.bytedeco.javacpp.Pointer;

import java.lang.reflect.Method;

/**
 * ND4J frees an array's off-heap memory when the garbage collector finds its Java object. A training loop
 * allocates mostly off-heap, so the small Java heap rarely triggers a collection and resident memory climbs by
 * gigabytes. {@link #collect()} asks for a collection at most once per interval; loops call it after each update.
 */
public final class OffHeapMemory {
    private final long intervalNanos;
    private long last = System.nanoTime();

    public OffHeapMemory(long intervalMillis) {
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    /**
     * Ends a phase: closes the arrays SameDiff's sessions cache ({@link SessionArrayCache}), collects, and asks
     * the C allocator to hand its free pages back to the system ({@code malloc_trim}), so the next phase starts
     * from what is live rather than from the last phase's high-water mark. Costs the page faults of taking
     * that memory again: call it where the next phase's shapes differ, not every step.
     */
    public static void endPhase() {
        SessionArrayCache.clearAll();
        System.gc();
        trimNativeHeap();
    }

    /**
     * Calls glibc's {@code malloc_trim(0)} through JavaCPP (its {@code Pointer.trimMemory}, not public in 1.5.7;
     * a no-op off Linux); false where that method cannot be reached.
     */
    static boolean trimNativeHeap() {
        try {
            Method trim = Pointer.class.getDeclaredMethod("trimMemory");
            trim.setAccessible(true);
            trim.invoke(null); // whether pages were released: nothing to act on
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    public void collect() {
        long now = System.nanoTime();
        if (now - last >= intervalNanos) {
            System.gc();
            last = System.nanoTime();
        }
    }
}
