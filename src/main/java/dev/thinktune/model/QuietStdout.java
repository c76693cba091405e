package dev.thinktune.model;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Silences standard output for the calling thread only, while a piece of SameDiff that prints runs (M2.1 prints a
 * line per differentiated op when it builds a gradient function). Swapping {@code System.out} for a null stream
 * and back is not safe when two threads build graphs at once (Spark's executor tasks in one JVM): the second
 * saves the first's null stream and restores it, silencing the process for good. Instead, standard output is
 * wrapped once in a stream that drops what quiet threads write and passes everything else through.
 */
final class QuietStdout extends OutputStream {
    private static final ThreadLocal<Boolean> QUIET = ThreadLocal.withInitial(() -> false);

    private final PrintStream target;

    private QuietStdout(PrintStream target) {
        this.target = target;
    }

    /** Runs {@code r} with this thread's standard output dropped; other threads print as before. */
    static void run(Runnable r) {
        PrintStream out = System.out;
        if (!(out instanceof Filtered)) {
            System.setOut(new Filtered(new QuietStdout(out)));
        }
        boolean was = QUIET.get();
        QUIET.set(true);
        try {
            r.run();
        } finally {
            QUIET.set(was);
        }
    }

    @Override
    public void write(int b) {
        if (!QUIET.get()) {
            target.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (!QUIET.get()) {
            target.write(b, off, len);
        }
    }

    @Override
    public void flush() {
        target.flush();
    }

    @Override
    public void close() throws IOException {
        flush();
    }

    /** Standard output with the filter in front (auto-flushing, as the JVM's own). */
    private static final class Filtered extends PrintStream {
        Filtered(QuietStdout filter) {
            super(filter, true);
        }
    }
}
