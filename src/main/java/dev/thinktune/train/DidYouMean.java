package dev.thinktune.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** "Did you mean ...?": the known name nearest to a mistyped one, by edit distance, when it is near enough. */
public final class DidYouMean {
    private DidYouMean() {
    }

    /**
     * The candidate nearest to {@code typed} (ignoring case), if at most a third of its length differs (at least one
     * edit, at most three); a transposition of two letters counts as one edit.
     */
    public static Optional<String> nearest(String typed, Collection<String> candidates) {
        String t = typed.toLowerCase(Locale.ROOT);
        int limit = Math.max(1, Math.min(3, t.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(t, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean 'X'?"} when a candidate is near, else an empty string. */
    public static String hint(String typed, Collection<String> candidates) {
        return nearest(typed, candidates).map(n -> "; did you mean '" + n + "'?").orElse("");
    }

    /** For a path that does not exist: {@code "; did you mean P?"} when its folder holds a near name. */
    public static String hintForPath(Path missing) {
        Path parent = missing.toAbsolutePath().getParent();
        if (parent == null || missing.getFileName() == null || !Files.isDirectory(parent)) {
            return "";
        }
        List<String> names;
        try (Stream<Path> s = Files.list(parent)) {
            names = s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return "";
        }
        Path shown = missing.getParent() == null ? Path.of("") : missing.getParent();
        return nearest(missing.getFileName().toString(), names)
                .map(n -> "; did you mean " + shown.resolve(n) + "?").orElse("");
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
