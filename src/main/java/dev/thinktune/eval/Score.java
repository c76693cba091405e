package dev.thinktune.eval;

import java.util.List;
import java.util.Objects;

/**
 * One cell of the results table: a strategy's accuracy on a benchmark under each seed.
 *
 * @param benchmark benchmark name
 * @param format    its dataset format
 * @param strategy  strategy name
 * @param questions questions answered per seed
 * @param seeds     the sampling seeds, in order
 * @param accuracy  the fraction answered correctly under each seed
 * @param tokens    the mean tokens generated per question (all turns) under each seed
 */
public record Score(String benchmark, String format, String strategy, int questions, List<Long> seeds,
                    List<Double> accuracy, List<Double> tokens) {

    public Score {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(strategy, "strategy");
        seeds = List.copyOf(seeds);
        accuracy = List.copyOf(accuracy);
        tokens = List.copyOf(tokens);
        if (seeds.isEmpty() || accuracy.size() != seeds.size() || tokens.size() != seeds.size()) {
            throw new IllegalArgumentException("one accuracy and one token mean per seed");
        }
    }

    public double accuracyMean() {
        return mean(accuracy);
    }

    /** The sample standard deviation over seeds (n - 1 in the denominator); 0 for one seed. */
    public double accuracyStd() {
        return std(accuracy);
    }

    public double tokensMean() {
        return mean(tokens);
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).sum() / xs.size();
    }

    /** The sample standard deviation (n - 1); 0 for fewer than two values. */
    static double std(List<Double> xs) {
        if (xs.size() < 2) {
            return 0.0;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.size() - 1));
    }
}
