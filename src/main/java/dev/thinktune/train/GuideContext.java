package dev.thinktune.train;

import java.nio.file.Path;
import java.util.Set;

/**
 * What a training run hands to {@link Guides} to build the guide of its policy: the config, the run's tokenizer and
 * prompts, the initial student's Hugging Face directory (a local teacher may load it) and the stop ids.
 */
public record GuideContext(TrainConfig config, ModelAssets assets, Path initialModel, Set<Integer> stopIds) {
}
