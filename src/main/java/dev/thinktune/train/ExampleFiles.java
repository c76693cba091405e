package dev.thinktune.train;

import dev.thinktune.data.DataFormatException;
import dev.thinktune.data.Datasets;
import dev.thinktune.data.Example;
import dev.thinktune.data.ReadOptions;
import dev.thinktune.data.ReadResult;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** The training and held-out files of a run's {@code data} section, read as every training mode reads them. */
final class ExampleFiles {
    private ExampleFiles() {
    }

    /** The examples of {@code path} in the section's format; malformed rows refused or skipped as it says. */
    static List<Example> read(TrainConfig.DataSection data, Path path, PrintStream log) {
        ReadResult r;
        try {
            r = Datasets.read(data.format(), path, data.strict() ? ReadOptions.strict() : ReadOptions.lenient());
        } catch (DataFormatException e) {
            throw new DataFormatException(e.file(), e.line(), e.field(), e.detail() + " (data.strict is true: a "
                    + "file with any malformed row is refused; set it to false to skip such rows with a warning)", e);
        }
        if (r.failedRows() > 0) {
            log.printf("%s: %d rows did not parse and were skipped (data.strict: true refuses such a file); "
                    + "first: %s%n", path, r.failedRows(), r.firstErrors().isEmpty() ? "" : r.firstErrors().get(0));
        }
        if (r.examples().isEmpty()) {
            throw new IllegalArgumentException(path + ": no usable examples");
        }
        return r.examples();
    }
}
