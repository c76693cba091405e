package dev.thinktune.serve;

import java.util.List;

/**
 * Cuts streamed text at the first of some stop strings, as the OpenAI API does (the stop string itself is not
 * returned). Text that could be the start of a stop string is held back until the next piece shows whether it
 * is; {@link #finish} releases it at the end.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Takes the next piece of text and returns what can be emitted now. */
    String accept(String piece) {
        if (stopped || piece.isEmpty()) {
            return "";
        }
        pending.append(piece);
        int first = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            stopped = true;
            String out = pending.substring(0, first);
            pending.setLength(0);
            return out;
        }
        String text = pending.toString();
        int hold = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (text.regionMatches(text.length() - k, stop, 0, k)) {
                    hold = k;
                    break;
                }
            }
        }
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Whatever was held back, at the end of the text (nothing once a stop string was seen). */
    String finish() {
        if (stopped) {
            return "";
        }
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Whether a stop string was seen. */
    boolean stopped() {
        return stopped;
    }

    /** {@code text} cut before its first stop string. */
    static String cut(String text, List<String> stops) {
        StopMatcher m = new StopMatcher(stops);
        return m.accept(text) + m.finish();
    }
}
