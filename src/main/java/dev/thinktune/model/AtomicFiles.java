package dev.thinktune.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/** Writes that never leave a half-written file or directory behind: write aside, then rename. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes text to {@code target} atomically. */
    public static void writeString(Path target, String text) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
        moveReplacing(tmp, target);
    }

    /** Renames {@code from} over {@code to}, atomically where the file system allows it. */
    public static void moveReplacing(Path from, Path to) {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, e);
        }
    }

    /**
     * Replaces directory {@code target} with the fully written directory {@code staged}: the old one is renamed
     * aside, the new one renamed into place, then the old one deleted. At every instant one complete directory
     * exists under {@code target} or under the aside name.
     */
    public static void replaceDirectory(Path staged, Path target) {
        makeReadable(staged);
        Path aside = target.resolveSibling(target.getFileName() + ".old-" + ProcessHandle.current().pid());
        try {
            boolean had = Files.exists(target);
            if (had) {
                deleteRecursively(aside);
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            if (had) {
                deleteRecursively(aside);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + staged + " to " + target, e);
        }
    }

    /** Temporary directories are created owner-only; a model directory is for everyone to read. */
    private static void makeReadable(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: keep its defaults
        }
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
