package dev.thinktune.cli;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.CheckpointException;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.train.DidYouMean;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --adapter DIR} of the commands that run a model: a PEFT LoRA directory read for that model, or an error naming DIR. */
final class AdapterDirectories {
    private AdapterDirectories() {
    }

    /** The adapters in {@code dir}, checked against the architecture of the model directory {@code model}. */
    static LoraAdapters read(Path dir, Path model) {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("adapter directory " + dir + " not found" + DidYouMean.hintForPath(dir));
        }
        if (!PeftAdapter.isAdapter(dir)) {
            throw new IllegalArgumentException(dir + " is not a PEFT adapter directory: it needs "
                    + PeftAdapter.CONFIG + " and " + PeftAdapter.WEIGHTS);
        }
        try {
            return PeftAdapter.read(dir, HfCheckpoint.readConfig(model));
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new IllegalArgumentException("adapter " + dir + " does not fit the model " + model + ": "
                    + e.getMessage(), e);
        }
    }

    /** The engine over {@code model} in its stored dtype, with the adapters of {@code adapter} when not null. */
    static RolloutEngine engine(Path model, LoraAdapters adapters, RolloutEngine.Options options) {
        return adapters == null ? RolloutEngine.create(model, options) : RolloutEngine.create(model, adapters, options);
    }
}
