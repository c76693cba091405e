package dev.thinktune.train;

import dev.thinktune.teacher.Guide;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a process returns for its share of a step's questions ({@link DistributedSteps}): the loss-gradient sums
 * of its samples (divisors of 1; the driver divides by the whole step's count), the sums of the update's
 * statistics, every response's outcome, the logged samples, what guidance did, and how long each phase took.
 * Shares of disjoint question sets {@link #merge} into the step's: gradients and counts add, lists join, phase
 * times keep the slowest share's.
 *
 * @param gradients     loss-gradient sums by parameter name, flattened in C order
 * @param sums          the update's statistics summed over the share's samples
 * @param outcomes      every response's outcome
 * @param sampleRecords the logged responses, with their group's index in the step ({@link Logged})
 * @param guideStats    what guidance did
 * @param failures      the teacher's failed replies (group indices in the step)
 * @param rolloutTokens tokens sampled
 * @param trainTokens   tokens of the training samples (prompt and response)
 * @param seconds       the slowest share's rollout, teacher, reward, log-prob and gradient seconds
 */
public record StepShare(Map<String, float[]> gradients, LossGradients.Sums sums, List<ResponseOutcome> outcomes,
                        List<Logged> sampleRecords, Guide.Stats guideStats, List<Guide.Failure> failures,
                        long rolloutTokens, long trainTokens, double[] seconds) implements Serializable {

    /** A logged response and its group's index in the step. */
    public record Logged(int group, SampleRecord record) implements Serializable {
    }

    /** The share of a prepared set of groups whose gradient sums are {@code gradients}. */
    public static StepShare of(StepPreparation.Prepared p, Map<String, float[]> gradients, LossGradients.Sums sums,
                               double gradientSeconds, int firstGroup, int n) {
        List<Logged> logged = new ArrayList<>();
        for (SampleRecord r : p.sampleRecords()) {
            logged.add(new Logged(firstGroup + logged.size() / n, r));
        }
        long trainTokens = p.samples().stream().mapToLong(s -> s.ids().length).sum();
        return new StepShare(new LinkedHashMap<>(gradients), sums, new ArrayList<>(p.outcomes()), logged,
                p.guideStats(), new ArrayList<>(p.failures()), p.rolloutTokens(), trainTokens,
                new double[]{p.rolloutSeconds(), p.teacherSeconds(), p.rewardSeconds(), p.logprobSeconds(),
                        gradientSeconds});
    }

    /** This share and {@code o} (of other questions) together; this share's arrays are reused for the sums. */
    public StepShare merge(StepShare o) {
        if (!gradients.keySet().equals(o.gradients.keySet())) {
            throw new IllegalArgumentException("shares of different parameter sets: " + gradients.keySet() + " and "
                    + o.gradients.keySet());
        }
        for (Map.Entry<String, float[]> e : gradients.entrySet()) {
            float[] a = e.getValue(), b = o.gradients.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
        }
        List<ResponseOutcome> out = new ArrayList<>(outcomes);
        out.addAll(o.outcomes);
        out.sort(Comparator.comparingInt(ResponseOutcome::group).thenComparingInt(ResponseOutcome::response));
        List<Logged> logged = new ArrayList<>(sampleRecords);
        logged.addAll(o.sampleRecords);
        logged.sort(Comparator.comparingInt(Logged::group).thenComparingInt(l -> l.record().index()));
        List<Guide.Failure> f = new ArrayList<>(failures);
        f.addAll(o.failures);
        f.sort(Comparator.comparingInt(Guide.Failure::group).thenComparingInt(Guide.Failure::response));
        double[] secs = seconds.clone();
        for (int i = 0; i < secs.length; i++) {
            secs[i] = Math.max(secs[i], o.seconds[i]);
        }
        return new StepShare(gradients, sums.plus(o.sums), out, logged, guideStats.plus(o.guideStats), f,
                rolloutTokens + o.rolloutTokens, trainTokens + o.trainTokens, secs);
    }

    /** Bytes of the gradient sums (what each share sends back). */
    public long gradientBytes() {
        return gradients.values().stream().mapToLong(a -> 4L * a.length).sum();
    }
}
