package dev.thinktune.teacher;

/** Seed mixing for the teacher's deterministic choices. */
final class Mixing {
    private Mixing() {
    }

    /**
     * A well-spread 64-bit value of ({@code seed}, {@code index}): SplitMix64's finaliser over
     * {@code seed + golden * (index + 1)}, so neighbouring seeds and indices give unrelated values.
     */
    static long mix(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
