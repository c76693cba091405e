package dev.thinktune.train;

import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SequenceScorer;

/** The rollout engine over the policy's weights: sampling, old-policy scoring, refresh after updates. */
public final class EngineSampler implements PolicySampler {
    private final RolloutEngine engine;

    public EngineSampler(RolloutEngine engine) {
        this.engine = engine;
    }

    @Override
    public Generator generator() {
        return engine;
    }

    @Override
    public SequenceScorer scorer() {
        return engine;
    }

    @Override
    public void syncWeights() {
        engine.refreshWeights();
    }
}
