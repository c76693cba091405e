package dev.thinktune.model;

/** A checkpoint, config or safetensors file that cannot be used as it is; the message says what and where. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
