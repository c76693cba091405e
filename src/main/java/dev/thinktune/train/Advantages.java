package dev.thinktune.train;

/**
 * Group-normalised advantages: {@code A_i = (r_i - mean_g(r)) / (std_g(r) + 1e-4)} over each group of
 * consecutive responses, std with Bessel's correction; a group of one response, or of equal rewards, gets 0.
 */
public final class Advantages {
    static final double EPS = 1e-4;

    private Advantages() {
    }

    /** Rewards laid out group after group, each group {@code groupSize} long. */
    public static double[] groupNormalized(double[] rewards, int groupSize) {
        if (groupSize <= 0 || rewards.length % groupSize != 0) {
            throw new IllegalArgumentException(rewards.length + " rewards do not split into groups of " + groupSize);
        }
        double[] a = new double[rewards.length];
        for (int g = 0; g < rewards.length; g += groupSize) {
            if (groupSize == 1) {
                continue;
            }
            double mean = 0;
            for (int i = g; i < g + groupSize; i++) {
                mean += rewards[i];
            }
            mean /= groupSize;
            double var = 0;
            boolean allEqual = true;
            for (int i = g; i < g + groupSize; i++) {
                var += (rewards[i] - mean) * (rewards[i] - mean);
                allEqual &= rewards[i] == rewards[g];
            }
            if (allEqual) {
                continue;
            }
            double std = Math.sqrt(var / (groupSize - 1));
            for (int i = g; i < g + groupSize; i++) {
                a[i] = (rewards[i] - mean) / (std + EPS);
            }
        }
        return a;
    }
}
