package dev.thinktune.eval;

import dev.thinktune.data.DataFormat;
import dev.thinktune.data.Datasets;
import dev.thinktune.data.Example;
import dev.thinktune.data.ReadOptions;
import dev.thinktune.data.ReadResult;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One evaluation set: its name in the results, its dataset format and its questions.
 *
 * @param name     the column of the results table (the format's name unless labelled)
 * @param format   the dataset format (gsm8k, math, aime, commonsenseqa, arc, gpqa, strategyqa, mmlu-pro, ...)
 * @param path     the file it was read from
 * @param examples the questions, in file order
 */
public record Benchmark(String name, String format, Path path, List<Example> examples) {

    public Benchmark {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        examples = List.copyOf(examples);
        if (name.isBlank()) {
            throw new IllegalArgumentException("a benchmark needs a name");
        }
    }

    /** A benchmark as given on the command line ({@code FORMAT=PATH} or {@code LABEL:FORMAT=PATH}), unread. */
    public record Spec(String name, String format, Path path) {
        public static Spec parse(String arg) {
            int eq = arg.indexOf('=');
            if (eq <= 0 || eq == arg.length() - 1) {
                throw new IllegalArgumentException("benchmark '" + arg + "': expected FORMAT=PATH or LABEL:FORMAT=PATH"
                        + " (formats: " + String.join(", ", DataFormat.ids()) + ")");
            }
            String left = arg.substring(0, eq).strip();
            Path path = Path.of(arg.substring(eq + 1).strip());
            int colon = left.indexOf(':');
            String name = colon < 0 ? left : left.substring(0, colon).strip();
            String format = colon < 0 ? left : left.substring(colon + 1).strip();
            DataFormat.byId(format);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("benchmark '" + arg + "': empty label");
            }
            return new Spec(name, format, path);
        }

        /**
         * Reads the file leniently (rows that do not parse are skipped and reported), keeping the first
         * {@code limit} questions (0 = all); {@code dataSeed} seeds the choice shuffle of formats that need one.
         */
        public Benchmark read(int limit, long dataSeed, PrintStream log) {
            ReadResult r = Datasets.read(format, path, ReadOptions.lenient().withSeed(dataSeed));
            if (r.failedRows() > 0) {
                log.printf("%s: %d rows did not parse and were skipped; first: %s%n", path, r.failedRows(),
                        r.firstErrors().isEmpty() ? "" : r.firstErrors().get(0).getMessage());
            }
            List<Example> examples = r.examples();
            if (examples.isEmpty()) {
                throw new IllegalArgumentException(path + ": no usable questions for benchmark " + name);
            }
            if (limit > 0 && examples.size() > limit) {
                examples = examples.subList(0, limit);
            }
            return new Benchmark(name, format, path, examples);
        }
    }
}
