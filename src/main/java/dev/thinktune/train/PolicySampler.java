package dev.thinktune.train;

import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.SequenceScorer;

/** Sampling from, and scoring under, the policy being trained; told when its weights change. */
public interface PolicySampler {
    Generator generator();

    /** Scores sequences under the current weights (the old policy, right before an update). */
    SequenceScorer scorer();

    /** Called after optimizer updates changed the weights in place. */
    void syncWeights();
}
