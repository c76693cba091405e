package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one thing read from a Hugging Face {@code tokenizer_config.json} beside a tokenizer: its
 * {@code eos_token}, given as a string or as an added-token object with {@code content}.
 */
final class TokenizerConfig {

    static final String FILE_NAME = "tokenizer_config.json";

    private TokenizerConfig() {
    }

    /** The {@code eos_token} of {@code dir/tokenizer_config.json}, if the file is there and names one. */
    static Optional<String> eosToken(Path dir) {
        if (dir == null) {
            return Optional.empty();
        }
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerFormatException(file + ": not readable JSON: " + e.getMessage(), e);
        }
        JsonNode eos = root == null ? null : root.get("eos_token");
        if (eos == null || eos.isNull()) {
            return Optional.empty();
        }
        if (eos.isTextual()) {
            return Optional.of(eos.asText());
        }
        if (eos.path("content").isTextual()) {
            return Optional.of(eos.get("content").asText());
        }
        throw new TokenizerFormatException(file + ": eos_token " + eos + " is neither a string nor {\"content\": ...}");
    }
}
