package dev.thinktune.train;

import dev.thinktune.model.StudentModel;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SequenceScorer;

import java.nio.file.Path;

/**
 * The decoders a ThinkTuning run samples and scores with: one over the policy (its weights, or the frozen base
 * read as stored with the adapters on top) and the frozen initial student as the KL reference (with adapters, the
 * same decoder with them off; else a second decoder over {@code model.path}; none when beta = 0).
 */
public final class PolicyEngines implements AutoCloseable {
    private final RolloutEngine engine;
    private final RolloutEngine separateReference;
    private final SequenceScorer reference;

    private PolicyEngines(RolloutEngine engine, RolloutEngine separateReference, SequenceScorer reference) {
        this.engine = engine;
        this.separateReference = separateReference;
        this.reference = reference;
    }

    /** The decoders of {@code policy}, whose initial weights are the Hugging Face directory {@code modelDir}. */
    public static PolicyEngines open(TrainConfig cfg, StudentModel policy, Path modelDir) {
        return open(cfg, policy, modelDir, true);
    }

    /**
     * As {@link #open(TrainConfig, StudentModel, Path)}; without {@code withReference} no reference is read (a
     * driver whose executors do the scoring).
     */
    public static PolicyEngines open(TrainConfig cfg, StudentModel policy, Path modelDir, boolean withReference) {
        int maxSeq = Math.min(policy.config().maxPositions(), cfg.data().maxPromptTokens() + Math.max(
                cfg.rollout().maxNewTokens() + cfg.guidance().teacher().maxNewTokens(), cfg.eval().maxNewTokens()) + 8);
        RolloutEngine.Options opts = RolloutEngine.Options.defaults().withMaxSequenceLength(maxSeq);
        boolean lora = policy.adapters() != null;
        RolloutEngine engine = lora ? RolloutEngine.create(modelDir, policy.adapters(), opts)
                : RolloutEngine.create(policy.weights(), opts);
        try {
            boolean scored = withReference && cfg.objective().beta() > 0;
            RolloutEngine separate = scored && !lora ? RolloutEngine.create(modelDir, opts) : null;
            SequenceScorer reference = !scored ? null : lora ? engine.baseScorer() : separate;
            return new PolicyEngines(engine, separate, reference);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    /** Samples and scores under the current policy. */
    public RolloutEngine engine() {
        return engine;
    }

    /** Scores under the frozen initial student, or null when beta = 0. */
    public SequenceScorer reference() {
        return reference;
    }

    @Override
    public void close() {
        engine.close();
        if (separateReference != null) {
            separateReference.close();
        }
    }
}
