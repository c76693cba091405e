package dev.thinktune.reward.symbolic;

/** Thrown inside a comparison when its time limit has passed; the comparison then answers "not equal". */
final class TimeLimitExceeded extends RuntimeException {

    TimeLimitExceeded() {
        super("the comparison's time limit was reached", null, false, false);
    }
}
