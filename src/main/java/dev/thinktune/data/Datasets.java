package dev.thinktune.data;

import java.nio.file.Path;
import java.util.List;

/** Reading datasets by format name: {@code Datasets.readAll("gsm8k", path)}. */
public final class Datasets {

    private Datasets() {
    }

    /** Reads {@code path} in the format named {@code format} (see {@link DataFormat}) with {@code options}. */
    public static ReadResult read(String format, Path path, ReadOptions options) {
        return read(DataFormat.byId(format), path, options);
    }

    /** Reads {@code path} in {@code format} with {@code options}. */
    public static ReadResult read(DataFormat format, Path path, ReadOptions options) {
        return format.reader(options).read(path, options);
    }

    /** Reads every row of {@code path} strictly: the first bad row throws a {@link DataFormatException}. */
    public static List<Example> readAll(String format, Path path) {
        return read(format, path, ReadOptions.strict()).examples();
    }
}
