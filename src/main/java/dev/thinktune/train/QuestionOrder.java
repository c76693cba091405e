package dev.thinktune.train;

import java.util.SplittableRandom;

/**
 * The order in which training questions are visited: a fresh seeded permutation per epoch, so the questions of
 * step s are known from the seed and s alone (the data position is just the step).
 */
public final class QuestionOrder {
    private final int size;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] perm;

    public QuestionOrder(int size, long seed) {
        if (size <= 0) {
            throw new IllegalArgumentException("no training questions");
        }
        this.size = size;
        this.seed = seed;
    }

    /** Indices of the questions of step {@code step} (1-based). */
    public int[] forStep(int step, int perStep) {
        int[] out = new int[perStep];
        long first = (long) (step - 1) * perStep;
        for (int i = 0; i < perStep; i++) {
            long p = first + i;
            out[i] = permutation((int) (p / size))[(int) (p % size)];
        }
        return out;
    }

    private int[] permutation(int epoch) {
        if (epoch != cachedEpoch) {
            perm = new int[size];
            for (int i = 0; i < size; i++) {
                perm[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(Seeds.of(seed, epoch, Seeds.DATA));
            for (int i = size - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            cachedEpoch = epoch;
        }
        return perm;
    }
}
