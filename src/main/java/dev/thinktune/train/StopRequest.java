package dev.thinktune.train;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request that a run stop at the end of its current step, save a checkpoint and return (Ctrl-C sets it through
 * {@link ConsoleInterrupt}; code and tests may set it directly). Safe to set from any thread.
 */
public final class StopRequest {
    private final AtomicBoolean requested = new AtomicBoolean();

    public void request() {
        requested.set(true);
    }

    public boolean requested() {
        return requested.get();
    }
}
