package dev.thinktune.train;

import dev.thinktune.model.StudentModel;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * The ThinkTuning objective as SameDiff ops on top of the student's per-token log-probabilities
 * ({@code shared/spec/objective.md}). All per-token inputs are in the next-token view {@code [B, T-1]}.
 *
 * <pre>
 * student tokens (h = 0):  s = min(rho*A, clip(rho, 1-eps_low, 1+eps_high)*A),   rho = exp(logp - old)
 * teacher tokens (h = 1):  s = w*A,  w = p / (sg(p) + c(A)) = exp(logp - sg(logp)) * sg(p / (p + c))
 * keep = m * (1 - h * [A < 0] * [sg(p) < tau]);   k3 = exp(ref - logp) - (ref - logp) - 1
 * sequence-mean: L = -(1/B) sum_i (1/|m_i|) sum_t keep*(s - beta*k3);   token-mean: L = -sum keep*(s - beta*k3) / sum m
 * </pre>
 *
 * SameDiff M2.1 work-arounds: {@code min(a,b)} is written {@code a - relu(a - b)} (its min op sends the gradient
 * to both inputs on ties); the stop-gradient is the native {@code stop_gradient} op. Differences are masked
 * before exponentiation so that padding and the other branch can never produce inf or 0/0.
 */
public final class ThinkTuningLoss {
    public static final String RESPONSE_MASK = "response_mask";
    public static final String TEACHER_MASK = "teacher_mask";
    public static final String OLD_LOGPROBS = "old_logprobs";
    public static final String REF_LOGPROBS = "ref_logprobs";
    public static final String ADVANTAGES = "advantages";
    public static final String ADV_MIN = "adv_min";
    public static final String ADV_MAX = "adv_max";
    /** Number of sequences of the whole update batch (sequence-mean divides by it). */
    public static final String NUM_SEQUENCES = "num_sequences";
    /** Number of response tokens of the whole update batch (token-mean divides by it). */
    public static final String NUM_TOKENS = "num_tokens";
    public static final String LOSS = "loss";
    public static final String C = "loss_c";
    public static final String W = "loss_w";
    public static final String KEEP = "loss_keep";
    public static final String SURROGATE = "loss_surrogate";
    public static final String K3 = "loss_k3";
    public static final String RATIO = "loss_ratio";
    /** 1 where a student token's ratio was clipped (the clipped term was the minimum and differed). */
    public static final String CLIPPED = "loss_clipped";

    private ThinkTuningLoss() {
    }

    /** Adds the objective to the student's graph and marks {@value #LOSS} as its loss variable. */
    public static SDVariable attach(StudentModel model, ObjectiveConfig cfg) {
        return attach(model.graph(), model.tokenLogprobsVariable(), cfg, true);
    }

    /**
     * Adds the objective over {@code logp}. With {@code stopGradient} false the AAS weight is built without the
     * stop-gradient (for demonstrating what it changes); never in training.
     */
    public static SDVariable attach(SameDiff sd, SDVariable logp, ObjectiveConfig cfg, boolean stopGradient) {
        SDVariable m = sd.placeHolder(RESPONSE_MASK, DataType.FLOAT, -1, -1);
        SDVariable h = sd.placeHolder(TEACHER_MASK, DataType.FLOAT, -1, -1);
        SDVariable old = sd.placeHolder(OLD_LOGPROBS, DataType.FLOAT, -1, -1);
        SDVariable ref = sd.placeHolder(REF_LOGPROBS, DataType.FLOAT, -1, -1);
        SDVariable adv = sd.placeHolder(ADVANTAGES, DataType.FLOAT, -1);
        SDVariable advMin = sd.placeHolder(ADV_MIN, DataType.FLOAT);
        SDVariable advMax = sd.placeHolder(ADV_MAX, DataType.FLOAT);
        SDVariable numSeq = sd.placeHolder(NUM_SEQUENCES, DataType.FLOAT);
        SDVariable numTok = sd.placeHolder(NUM_TOKENS, DataType.FLOAT);

        SDVariable a = sd.expandDims(adv, 1);                                  // [B, 1]
        SDVariable studentTok = m.mul(h.rsub(1.0));                            // m * (1 - h)

        // student tokens: clipped ratio
        SDVariable ratio = sd.math.exp(RATIO, logp.sub(old).mul(studentTok));
        SDVariable clipped = sd.math.clipByValue(ratio, 1.0 - cfg.epsLow(), 1.0 + cfg.epsHigh());
        SDVariable unclippedTerm = ratio.mul(a);
        SDVariable clippedTerm = clipped.mul(a);
        SDVariable sStudent = unclippedTerm.sub(sd.nn.relu(unclippedTerm.sub(clippedTerm), 0.0)); // min
        sd.math.step(CLIPPED, unclippedTerm.sub(clippedTerm), 0.0).mul(studentTok);

        // teacher tokens: Advantage-Aware Shaping
        SDVariable sgLogp = stopGradient ? new StopGradient(sd, logp).outputVariable() : logp;
        SDVariable p = sd.math.exp(sgLogp);
        double cLo = Math.min(cfg.c1(), cfg.c2()), cHi = Math.max(cfg.c1(), cfg.c2());
        SDVariable frac = advMax.sub(a).div(advMax.sub(advMin));
        SDVariable c = sd.math.clipByValue(C, frac.mul(cfg.c2() - cfg.c1()).add(cfg.c1()), cLo, cHi); // [B, 1]
        SDVariable negative = sd.lt(a, 0.0).castTo(DataType.FLOAT);
        SDVariable lowConfidence = negative.mul(sd.lt(p, cfg.tau()).castTo(DataType.FLOAT));
        SDVariable active = h.mul(lowConfidence.rsub(1.0));                    // teacher token that counts
        SDVariable safeDenominator = p.add(c.mul(active)).add(active.rsub(1.0));
        SDVariable factor = active.mul(p).div(safeDenominator);                // sg(p / (p + c)) on active tokens
        SDVariable w = sd.math.exp(logp.sub(sgLogp).mul(h)).mul(W, factor);
        SDVariable sTeacher = w.mul(a);

        SDVariable s = h.mul(sTeacher).add(SURROGATE, h.rsub(1.0).mul(sStudent));
        SDVariable keep = m.mul(KEEP, h.mul(lowConfidence).rsub(1.0));
        SDVariable perToken;
        if (cfg.beta() > 0) {
            SDVariable d = ref.sub(logp).mul(m);
            SDVariable k3 = sd.math.exp(d).sub(d).sub(K3, 1.0);
            perToken = keep.mul(s.sub(k3.mul(cfg.beta())));
        } else {
            // beta = 0: no KL term at all (its inputs are then never read)
            sd.zerosLike(K3, logp);
            perToken = keep.mul(s);
        }

        SDVariable loss = switch (cfg.reduction()) {
            case SEQUENCE_MEAN -> {
                SDVariable lengths = sd.math.max(sd.sum(m, false, 1), sd.constant(1.0f));
                yield sd.sum(sd.sum(perToken, false, 1).div(lengths)).div(numSeq).neg(LOSS);
            }
            case TOKEN_MEAN -> sd.sum(perToken).div(numTok).neg(LOSS);
        };
        sd.setLossVariables(loss);
        return loss;
    }
}
