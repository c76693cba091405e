package dev.thinktune.train;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C during a run: the first SIGINT asks the run to stop after its current step ({@link StopRequest}), which
 * then writes a checkpoint and says how to resume; a second one exits at once (status 130) without waiting.
 * Everything a run writes is written aside and renamed into place, so exiting at once leaves no half-written
 * file, only a staging directory that the next run removes.
 */
public final class ConsoleInterrupt implements AutoCloseable {
    /** The exit status of a process ended by SIGINT (128 + 2), as shells report it. */
    public static final int EXIT_STATUS = 130;

    private static final Signal SIGINT = new Signal("INT");

    private final StopRequest stop;
    private final PrintStream console;
    private final Runnable exitNow;
    private final AtomicInteger signals = new AtomicInteger();
    private SignalHandler previous;

    /** A handler that calls {@code exitNow} on the second signal; {@link #install()} puts it in place. */
    ConsoleInterrupt(StopRequest stop, PrintStream console, Runnable exitNow) {
        this.stop = stop;
        this.console = console;
        this.exitNow = exitNow;
    }

    /** Handles SIGINT for this process until closed. */
    public static ConsoleInterrupt install(StopRequest stop, PrintStream console) {
        return new ConsoleInterrupt(stop, console, () -> Runtime.getRuntime().halt(EXIT_STATUS)).install();
    }

    ConsoleInterrupt install() {
        previous = Signal.handle(SIGINT, s -> onSignal());
        return this;
    }

    /** What one SIGINT does. */
    void onSignal() {
        if (signals.incrementAndGet() == 1) {
            stop.request();
            console.println();
            console.println("interrupt: finishing the current step, then writing a checkpoint"
                    + " (Ctrl-C again to quit at once, losing the steps since the last checkpoint)");
            console.flush();
        } else {
            console.println();
            console.println("second interrupt: quitting now; the last checkpoint is intact");
            console.flush();
            exitNow.run();
        }
    }

    @Override
    public void close() {
        if (previous != null) {
            Signal.handle(SIGINT, previous);
            previous = null;
        }
    }
}
