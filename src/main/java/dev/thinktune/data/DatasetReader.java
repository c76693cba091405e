package dev.thinktune.data;

import java.nio.file.Path;

/** Reads one dataset file into {@link Example}s. Implementations are immutable. */
public interface DatasetReader {

    /**
     * Reads {@code file}. A bad row throws {@link DataFormatException} in strict mode and is counted in lenient
     * mode; an unreadable file throws {@link java.io.UncheckedIOException}; a file whose layout is wrong as a
     * whole (a missing CSV column) throws {@link DataFormatException} in both modes.
     */
    ReadResult read(Path file, ReadOptions options);
}
