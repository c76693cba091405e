package dev.thinktune.bench;

import dev.thinktune.model.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A temporary directory a benchmark writes a random checkpoint into (gigabytes for the published shapes), deleted
 * when it is closed, or when the JVM exits before that (Ctrl-C, a kill that lets shutdown hooks run), so an
 * interrupted benchmark leaves nothing behind in the temporary directory.
 */
final class ScratchDirectory implements AutoCloseable {
    private final Path dir;
    private final Thread hook;

    private ScratchDirectory(Path dir) {
        this.dir = dir;
        this.hook = new Thread(this::delete, "thinktune-scratch-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A new empty directory under the system's temporary directory, named {@code prefix} and a random suffix. */
    static ScratchDirectory create(String prefix) throws IOException {
        return new ScratchDirectory(Files.createTempDirectory(prefix));
    }

    Path path() {
        return dir;
    }

    /** Deletes the directory and everything in it. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook deletes it
        }
        delete();
    }

    private void delete() {
        try {
            AtomicFiles.deleteRecursively(dir);
        } catch (IOException e) {
            System.err.println("could not delete the benchmark's temporary directory " + dir + ": " + e.getMessage());
        }
    }
}
