package dev.thinktune.train;

/**
 * Every random choice of a run is a pure function of the run seed, the step and what it is for, so a resumed
 * run repeats the choices of one that never stopped without saving generator state.
 */
public final class Seeds {
    public static final long DATA = 1, ROLLOUT = 2, GUIDE = 3, SHUFFLE = 4, EVAL = 5, ADAPTERS = 6;

    private Seeds() {
    }

    public static long of(long runSeed, long step, long purpose) {
        return mix(mix(mix(runSeed) ^ step) ^ (purpose * 0x9E3779B97F4A7C15L));
    }

    /**
     * The seed of one question's choices in a step: {@link #of} mixed with the question's {@link
     * dev.thinktune.data.Example#seedKey}, so a question is sampled the same wherever it sits in the step and
     * however the step's questions are split over processes.
     */
    public static long forQuestion(long runSeed, long step, long purpose, dev.thinktune.data.Example question) {
        return mix(of(runSeed, step, purpose) ^ question.seedKey());
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
