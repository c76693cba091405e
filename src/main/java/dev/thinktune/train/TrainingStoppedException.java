package dev.thinktune.train;

/**
 * Training stopped on purpose (too many bad updates, a teacher that keeps failing); the last good checkpoint is
 * intact.
 */
public class TrainingStoppedException extends RuntimeException {
    private final boolean stepUndone;

    public TrainingStoppedException(String message) {
        this(message, false);
    }

    /**
     * @param stepUndone the step that stopped changed neither the weights nor the optimizer, so the run stands
     *                   exactly where the previous step left it and may be saved as such
     */
    public TrainingStoppedException(String message, boolean stepUndone) {
        super(message);
        this.stepUndone = stepUndone;
    }

    public boolean stepUndone() {
        return stepUndone;
    }
}
