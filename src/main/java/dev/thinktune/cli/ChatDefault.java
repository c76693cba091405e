package dev.thinktune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.arch.Architecture;
import dev.thinktune.tokenizer.ChatMlTemplate;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.TrainerCheckpoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether a model directory was trained on chat-formatted prompts, so that {@code generate} wraps a text prompt
 * in the chat template by default: a thinktune training checkpoint ({@code train_config.yaml}, with its
 * {@code model.chat_template}), a model thinktune pretrained ({@code pretrain.yaml}: pretraining always renders
 * the question as a user turn), a Hugging Face directory whose {@code tokenizer_config.json} carries a Llama 3 or
 * a ChatML ({@code <|im_start|>}) {@code chat_template}, or a Qwen2 or Qwen3 checkpoint ({@code model_type: qwen2}
 * or {@code qwen3}, whose published tokenizers all carry ChatML).
 *
 * @param template the chat template name for {@code ChatTemplate.named} (auto, chatml, llama3 or plain)
 * @param reason   what in the directory says so, for the user
 */
record ChatDefault(String template, String reason) {

    static Optional<ChatDefault> of(Path dir) {
        Path train = dir.resolve(TrainerCheckpoints.CONFIG);
        if (Files.isRegularFile(train)) {
            try {
                String t = ConfigLoader.parse(Files.readString(train), train.toString()).model().chatTemplate();
                return Optional.of(new ChatDefault(t, train.getFileName() + ": trained with chat template " + t));
            } catch (IOException | RuntimeException unreadable) {
                // fall through to the other signs
            }
        }
        if (Files.isRegularFile(dir.resolve("pretrain.yaml"))) {
            return Optional.of(new ChatDefault("auto", "pretrain.yaml: pretrained on chat-formatted questions"));
        }
        Path tokenizerConfig = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tokenizerConfig)) {
            try {
                JsonNode template = new ObjectMapper().readTree(tokenizerConfig.toFile()).path("chat_template");
                if (template.isTextual() && template.asText().contains("<|start_header_id|>")) {
                    return Optional.of(new ChatDefault("llama3", "tokenizer_config.json has a Llama 3 chat_template"));
                }
                if (template.isTextual() && template.asText().contains(ChatMlTemplate.IM_START)) {
                    return Optional.of(new ChatDefault("chatml", "tokenizer_config.json has a ChatML chat_template"));
                }
            } catch (IOException unreadable) {
                return Optional.empty();
            }
        }
        Path config = dir.resolve(HfCheckpoint.CONFIG);
        if (Files.isRegularFile(config)) {
            try {
                String modelType = new ObjectMapper().readTree(config.toFile()).path("model_type").asText();
                if (List.of(Architecture.QWEN2, Architecture.QWEN3).stream()
                        .anyMatch(a -> a.modelType().equals(modelType))) {
                    return Optional.of(new ChatDefault("chatml", "config.json: model_type " + modelType));
                }
            } catch (IOException unreadable) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
