package dev.thinktune.train;

/** Training stopped on purpose (too many bad updates); the last good checkpoint is intact. */
public class TrainingStoppedException extends RuntimeException {
    public TrainingStoppedException(String message) {
        super(message);
    }
}
