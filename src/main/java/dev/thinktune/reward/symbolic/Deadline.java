package dev.thinktune.reward.symbolic;

/** The instant a comparison must stop by; checked by the parser and the evaluator as they go. */
record Deadline(long nanos) {

    static Deadline after(long millis) {
        return new Deadline(System.nanoTime() + millis * 1_000_000L);
    }

    void check() {
        if (System.nanoTime() - nanos > 0) {
            throw new TimeLimitExceeded();
        }
    }
}
