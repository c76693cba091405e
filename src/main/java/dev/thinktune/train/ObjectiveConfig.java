package dev.thinktune.train;

/**
 * Hyper-parameters of the ThinkTuning objective ({@code shared/spec/objective.md}).
 *
 * @param epsLow    lower clip range of the student-token ratio: ratio clipped at {@code 1 - epsLow}
 * @param epsHigh   upper clip range: ratio clipped at {@code 1 + epsHigh}
 * @param beta      weight of the k3 KL penalty to the reference model (0 skips the reference pass)
 * @param c1        AAS offset {@code c(A)} at {@code A = advMax} (positive: a conservative push up)
 * @param c2        AAS offset at {@code A = advMin} (negative: a slightly stronger push down)
 * @param tau       probability under which a teacher token of a negative-advantage response is masked
 * @param advMin    the advantage mapped to {@code c2} (with {@link AdvantageRange#FIXED})
 * @param advMax    the advantage mapped to {@code c1} (with {@link AdvantageRange#FIXED})
 * @param advRange  FIXED uses advMin/advMax; BATCH uses the batch's own minimum and maximum advantage
 * @param reduction how per-token terms become the loss
 */
public record ObjectiveConfig(double epsLow, double epsHigh, double beta, double c1, double c2, double tau,
                              double advMin, double advMax, AdvantageRange advRange, Reduction reduction) {

    /** The objective's defaults: eps 0.2/0.2, beta 0.001, c1 = +1e-4, c2 = -1e-4, tau 0.01, A in [-4, 4]. */
    public static final ObjectiveConfig DEFAULTS = new ObjectiveConfig(0.2, 0.2, 0.001, 1e-4, -1e-4, 0.01,
            -4.0, 4.0, AdvantageRange.FIXED, Reduction.SEQUENCE_MEAN);

    public ObjectiveConfig {
        if (!(epsLow >= 0 && epsLow < 1)) {
            throw new ConfigException("objective.eps_low", epsLow, "in [0, 1)");
        }
        if (!(epsHigh >= 0)) {
            throw new ConfigException("objective.eps_high", epsHigh, ">= 0");
        }
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new ConfigException("objective.beta", beta, ">= 0 and finite");
        }
        if (!Double.isFinite(c1) || !Double.isFinite(c2)) {
            throw new ConfigException("objective.c1/c2", Double.isFinite(c1) ? c2 : c1, "finite");
        }
        double cMax = Math.max(Math.abs(c1), Math.abs(c2));
        if (!(tau > cMax) || !(tau < 1)) {
            throw new ConfigException("objective.tau", tau, "above max(|c1|, |c2|) = " + cMax
                    + " (so that sg(p) + c(A) > 0 on every counted token) and below 1");
        }
        if (!(advMax > advMin)) {
            throw new ConfigException("objective.adv_max", advMax, "greater than adv_min (" + advMin + ")");
        }
        if (advRange == null) {
            throw new ConfigException("objective.adv_range", "null", "fixed or batch");
        }
        if (reduction == null) {
            throw new ConfigException("objective.reduction", "null", "sequence-mean or token-mean");
        }
    }

    public enum AdvantageRange { FIXED, BATCH }

    public enum Reduction { SEQUENCE_MEAN, TOKEN_MEAN }
}
