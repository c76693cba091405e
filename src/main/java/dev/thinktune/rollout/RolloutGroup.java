package dev.thinktune.rollout;

import dev.thinktune.data.Example;

import java.util.List;

/** One question with its prompt and the n responses sampled for it (GRPO's group). */
public record RolloutGroup(Example example, String promptText, int[] promptIds, List<Trajectory> trajectories) {
    public RolloutGroup {
        trajectories = List.copyOf(trajectories);
    }

    public RolloutGroup withTrajectories(List<Trajectory> replaced) {
        return new RolloutGroup(example, promptText, promptIds, replaced);
    }
}
