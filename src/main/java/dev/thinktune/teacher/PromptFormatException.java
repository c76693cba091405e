package dev.thinktune.teacher;

/** A teacher prompt file that does not follow the prompt format; the message names the file and line. */
public final class PromptFormatException extends RuntimeException {
    public PromptFormatException(String message) {
        super(message);
    }

    public PromptFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
