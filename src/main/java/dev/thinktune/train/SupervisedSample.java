package dev.thinktune.train;

/** A sequence to imitate: the loss counts the ids from {@code promptLength} on (the response). */
public record SupervisedSample(int[] ids, int promptLength) {
    public SupervisedSample {
        if (promptLength < 1 || promptLength >= ids.length) {
            throw new IllegalArgumentException("need a prompt and at least one response token");
        }
    }

    public int responseLength() {
        return ids.length - promptLength;
    }
}
