package dev.thinktune.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a run stands, saved with every checkpoint. Random choices are derived from the seed and the step
 * ({@link Seeds}), and the data position is the step, so these fields restore the run exactly.
 *
 * @param step               training steps completed
 * @param updates            optimizer updates applied (drives the learning-rate schedule and AdamW's bias correction)
 * @param consecutiveBad     updates skipped in a row for a non-finite loss or gradient
 * @param totalBad           updates skipped in all
 * @param seed               the run seed
 * @param failedGuidedSteps  guided steps in a row on which every teacher reply failed (0 in checkpoints written
 *                           before it was recorded)
 */
public record TrainerState(int step, long updates, int consecutiveBad, int totalBad, long seed,
                           int failedGuidedSteps) {
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public static TrainerState start(long seed) {
        return new TrainerState(0, 0, 0, 0, seed, 0);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TrainerState read(Path file) {
        try {
            return JSON.readValue(Files.readString(file), TrainerState.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read trainer state " + file + ": " + e.getMessage(), e);
        }
    }
}
