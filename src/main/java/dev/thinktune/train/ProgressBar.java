package dev.thinktune.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** A one-line console progress bar with rate and ETA, redrawn in place on a terminal, one line per update otherwise. */
public final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final int total;
    private final long startNanos = System.nanoTime();
    private final boolean inPlace;
    private final int startDone;

    public ProgressBar(PrintStream out, String label, int total) {
        this(out, label, total, 0);
    }

    /** A bar that starts at {@code alreadyDone} (a resumed run): the rate counts only what this run does. */
    public ProgressBar(PrintStream out, String label, int total, int alreadyDone) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.startDone = alreadyDone;
        this.inPlace = System.console() != null;
    }

    /** Shows {@code done} of total, with a status text. */
    public void update(int done, String status) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        int doneHere = done - startDone;
        double perItem = doneHere > 0 ? elapsed / doneHere : 0;
        long eta = Math.round(perItem * (total - done));
        int width = 24;
        int filled = total == 0 ? width : (int) Math.round(width * (double) done / total);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d  %s  %.1fs/step  ETA %s", label, bar, done, total,
                status, perItem, format(Duration.ofSeconds(eta)));
        if (inPlace) {
            out.print("\r" + line + "\u001b[K");
            if (done == total) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
