package dev.thinktune.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The rows read from one file.
 *
 * @param file        the file
 * @param examples    the rows that were read, in file order
 * @param failedRows  how many rows could not be read (always 0 for a strict read)
 * @param firstErrors the first of those errors, at most {@link ReadOptions#maxErrors()}
 */
public record ReadResult(Path file, List<Example> examples, int failedRows, List<DataFormatException> firstErrors) {

    public ReadResult {
        Objects.requireNonNull(file, "file");
        examples = List.copyOf(examples);
        firstErrors = List.copyOf(firstErrors);
    }
}
