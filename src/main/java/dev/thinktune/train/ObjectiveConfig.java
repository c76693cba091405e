package dev.thinktune.train;

import dev.thinktune.config.ConfigDefaults;
import dev.thinktune.config.Default;
import dev.thinktune.config.Help;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * Hyper-parameters of the ThinkTuning objective ({@code shared/spec/objective.md}).
 */
public record ObjectiveConfig(
        @Default("0.2")
        @Help("lower clip range of the student-token ratio: ratio clipped at {@code 1 - eps_low}") double epsLow,
        @Default("0.2") @Help("upper clip range: ratio clipped at {@code 1 + eps_high}") double epsHigh,
        @Default("0.001")
        @Help("weight of the k3 KL penalty to the reference model (0 skips the reference pass)") double beta,
        @Default("1e-4")
        @Help("AAS offset {@code c(A)} at {@code A = adv_max} (positive: a conservative push up)") double c1,
        @Default("-1e-4")
        @Help("AAS offset at {@code A = adv_min} (negative: a slightly stronger push down)") double c2,
        @Default("0.01")
        @Help("probability under which a teacher token of a negative-advantage response is masked") double tau,
        @Default("-4.0") @Help("the advantage mapped to {@code c2} (with {@code adv_range: fixed})") double advMin,
        @Default("4.0") @Help("the advantage mapped to {@code c1} (with {@code adv_range: fixed})") double advMax,
        @Default("\"fixed\"")
        @Help("{@code fixed} uses adv_min/adv_max; {@code batch} uses the batch's own extreme advantages")
        AdvantageRange advRange,
        @Default("\"sequence-mean\"")
        @Help("{@code sequence-mean} (the paper's formula) or {@code token-mean}") Reduction reduction) {

    /** The objective's defaults: eps 0.2/0.2, beta 0.001, c1 = +1e-4, c2 = -1e-4, tau 0.01, A in [-4, 4]. */
    public static final ObjectiveConfig DEFAULTS = ConfigDefaults.of(ObjectiveConfig.class);

    public ObjectiveConfig {
        if (!(epsLow >= 0 && epsLow < 1)) {
            throw new ConfigException("objective.eps_low", epsLow, "in [0, 1)");
        }
        if (!(epsHigh >= 0) || Double.isInfinite(epsHigh)) {
            throw new ConfigException("objective.eps_high", epsHigh, ">= 0");
        }
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new ConfigException("objective.beta", beta, ">= 0 and finite");
        }
        if (!Double.isFinite(c1)) {
            throw new ConfigException("objective.c1", c1, "finite");
        }
        if (!Double.isFinite(c2)) {
            throw new ConfigException("objective.c2", c2, "finite");
        }
        double cMax = Math.max(Math.abs(c1), Math.abs(c2));
        if (!(tau > cMax) || !(tau < 1)) {
            throw new ConfigException("objective.tau", tau, "above max(|c1|, |c2|) = " + cMax
                    + " (so that sg(p) + c(A) > 0 on every counted token) and below 1");
        }
        if (!Double.isFinite(advMin)) {
            throw new ConfigException("objective.adv_min", advMin, "finite");
        }
        if (!(advMax > advMin) || Double.isInfinite(advMax)) {
            throw new ConfigException("objective.adv_max", advMax, "finite and greater than adv_min (" + advMin + ")");
        }
        if (advRange == null) {
            throw new ConfigException("objective.adv_range", "null", "fixed or batch");
        }
        if (reduction == null) {
            throw new ConfigException("objective.reduction", "null", "sequence-mean or token-mean");
        }
    }

    /** Where the advantage range of c(A) comes from. */
    public enum AdvantageRange {
        FIXED, BATCH;

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static AdvantageRange parse(String s) {
            return ConfigEnums.parse(AdvantageRange.class, "objective.adv_range", s);
        }
    }

    /** How per-token terms become the loss. */
    public enum Reduction {
        SEQUENCE_MEAN, TOKEN_MEAN;

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static Reduction parse(String s) {
            return ConfigEnums.parse(Reduction.class, "objective.reduction", s);
        }
    }
}
