package dev.thinktune.tokenizer;

/** A tokenizer file that cannot be read, or one that uses a component this implementation does not have. */
public final class TokenizerFormatException extends RuntimeException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
