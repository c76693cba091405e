package dev.thinktune.reward;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of checking one completion against its example.
 *
 * @param extracted the final answer found in the completion, empty when it states none
 * @param correct   whether that answer matches the reference answer
 */
public record Verification(Optional<String> extracted, boolean correct) {

    public Verification {
        Objects.requireNonNull(extracted, "extracted");
        if (correct && extracted.isEmpty()) {
            throw new IllegalArgumentException("a verification without an extracted answer cannot be correct");
        }
    }
}
