package dev.thinktune.cli;

import java.nio.file.Path;

/** Encoding text with a model directory's tokenizer, for commands that accept text. */
final class TokenizerSupport {
    private TokenizerSupport() {
    }

    static int[] encode(Path modelDir, String text, boolean addSpecial) {
        throw new IllegalArgumentException("text input needs a tokenizer; pass token ids with --ids");
    }
}
