package dev.thinktune.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * How a training run of any mode ended: where it wrote, the held-out evaluation before and after (empty without a
 * test split), its metrics file and its final model (null when it stopped early).
 */
public sealed interface RunOutcome permits TrainingRun.Outcome, SftRun.Outcome, StarRun.Outcome {
    Path outputDir();

    Map<String, Double> before();

    Map<String, Double> after();

    Path metricsFile();

    Path finalModel();

    /** The held-out accuracy before training, NaN when not measured. */
    default double accuracyBefore() {
        return before().getOrDefault("accuracy", Double.NaN);
    }

    /** The held-out accuracy after training, NaN when not measured. */
    default double accuracyAfter() {
        return after().getOrDefault("accuracy", Double.NaN);
    }
}
