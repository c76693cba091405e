package dev.thinktune.train;

import dev.thinktune.model.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run's output directory and how a run may start in it. A fresh run needs an empty (or absent) directory: a
 * directory that holds an earlier run is refused unless the run resumes it or is told to overwrite it, so old
 * checkpoints, a {@code final/} model or a report can never be mixed into a new run. Staging directories that a
 * killed or failed checkpoint write left behind are removed before a run starts.
 */
public final class RunFolder {
    /** The file every run writes first; a directory holding it is a run directory that {@code --overwrite} may clear. */
    static final String CONFIG_FILE = "train_config.yaml";

    /** How a run starts in its directory. */
    public enum Start {
        /** A new run: the directory must be empty or absent. */
        FRESH,
        /** Continue from the newest checkpoint (a new run when there is none). */
        RESUME,
        /** A new run: whatever an earlier run left in the directory is deleted first. */
        OVERWRITE;

        public static Start of(boolean resume, boolean overwrite) {
            if (resume && overwrite) {
                throw new IllegalArgumentException("--resume continues the run in the output directory and --overwrite"
                        + " deletes it: give one of them");
            }
            return resume ? RESUME : overwrite ? OVERWRITE : FRESH;
        }
    }

    private final Path dir;

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Makes the directory ready for a run that starts as {@code start}: refuses a non-empty directory for a fresh
     * run, clears an earlier run's directory for an overwrite, and removes leftover staging directories. Returns
     * the number of staging directories removed.
     */
    public int prepare(Start start) {
        List<String> held = contents(dir);
        if (start == Start.FRESH && !held.isEmpty()) {
            throw new IllegalArgumentException("output directory " + dir + " already holds a run (" + summary(held)
                    + "): add --resume to continue it, --overwrite to delete it and start again, or --out to choose"
                    + " another directory");
        }
        if (start == Start.OVERWRITE && !held.isEmpty()) {
            if (!Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
                throw new IllegalArgumentException("--overwrite deletes only a run directory (one with "
                        + CONFIG_FILE + "), and " + dir + " has none (" + summary(held) + "): choose another --out");
            }
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    AtomicFiles.deleteRecursively(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot clear " + dir, e);
            }
        }
        return removeStaging();
    }

    /**
     * Deletes the staging directories ({@code *.staging-*}) of checkpoint and model writes that never finished, in
     * the run directory and under {@code checkpoints/}; returns how many there were.
     */
    public int removeStaging() {
        int removed = 0;
        for (Path parent : List.of(dir, dir.resolve("checkpoints"))) {
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (Stream<Path> s = Files.list(parent)) {
                for (Path p : s.filter(RunFolder::isStaging).toList()) {
                    AtomicFiles.deleteRecursively(p);
                    removed++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove staging directories under " + parent, e);
            }
        }
        return removed;
    }

    static boolean isStaging(Path p) {
        return p.getFileName().toString().contains(".staging-") && Files.isDirectory(p);
    }

    /**
     * The names in directory {@code dir}, sorted, directories with a trailing slash; none when it does not exist;
     * refused when it is a file.
     */
    public static List<String> contents(Path dir) {
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir)) {
                throw new IllegalArgumentException("output directory " + dir + " is a file, not a directory");
            }
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()
                    + (Files.isDirectory(p) ? "/" : "")).sorted().toList());
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The first four of {@code names} and how many more there are. */
    public static String summary(List<String> names) {
        int shown = Math.min(4, names.size());
        String s = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? s + " and " + (names.size() - shown) + " more" : s;
    }
}
