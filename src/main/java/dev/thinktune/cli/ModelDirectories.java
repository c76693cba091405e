package dev.thinktune.cli;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.train.DidYouMean;

import java.nio.file.Files;
import java.nio.file.Path;

/** The check every command that takes {@code --model DIR} makes first, so a typo gets a message, not a trace. */
final class ModelDirectories {
    private ModelDirectories() {
    }

    /** {@code dir} if it is a Hugging Face model directory; else an error saying what is missing. */
    static Path require(Path dir) {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("model directory " + dir + " not found"
                    + DidYouMean.hintForPath(dir));
        }
        if (!HfCheckpoint.isCheckpoint(dir)) {
            throw new IllegalArgumentException(dir + " is not a Hugging Face model directory: it needs config.json "
                    + "and model.safetensors (or model.safetensors.index.json with its shards)");
        }
        return dir;
    }
}
