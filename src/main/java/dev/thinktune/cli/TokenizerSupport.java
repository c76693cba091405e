package dev.thinktune.cli;

import dev.thinktune.tokenizer.Tokenizers;

import java.nio.file.Path;

/** Encoding text with a model directory's tokenizer, for commands that accept text. */
final class TokenizerSupport {
    private TokenizerSupport() {
    }

    static int[] encode(Path modelDir, String text, boolean addSpecial) {
        return Tokenizers.load(modelDir).encode(text, addSpecial);
    }
}
