package dev.thinktune.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects the rows of one read: keeps examples, and fails fast (strict) or counts failures (lenient). */
final class RowSink {

    private final Path file;
    private final ReadOptions options;
    private final List<Example> examples = new ArrayList<>();
    private final List<DataFormatException> errors = new ArrayList<>();
    private int failed;

    RowSink(Path file, ReadOptions options) {
        this.file = file;
        this.options = options;
    }

    void add(Example example) {
        examples.add(example);
    }

    void fail(DataFormatException e) {
        if (options.mode() == ReadMode.STRICT) {
            throw e;
        }
        failed++;
        if (errors.size() < options.maxErrors()) {
            errors.add(e);
        }
    }

    ReadResult result() {
        return new ReadResult(file, examples, failed, errors);
    }
}
