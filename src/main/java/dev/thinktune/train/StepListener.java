package dev.thinktune.train;

import java.util.Map;

/** Receives each step's metrics as it ends (console, UI, tests). */
@FunctionalInterface
public interface StepListener {
    void onStep(int step, Map<String, Double> metrics);
}
