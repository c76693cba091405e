package dev.thinktune.model;

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

    public void collect() {
        long now = System.nanoTime();
        if (now - last >= intervalNanos) {
            System.gc();
            last = System.nanoTime();
        }
    }
}
