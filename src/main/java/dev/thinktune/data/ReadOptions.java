package dev.thinktune.data;

import java.util.Objects;

/**
 * How a dataset is read.
 *
 * @param mode      strict (fail at the first bad row) or lenient (skip and count bad rows)
 * @param seed      the seed of the choice shuffle of formats that ship the correct answer first (GPQA); each
 *                  row is shuffled with {@code seed + row index}
 * @param maxErrors how many errors a lenient read keeps for reporting (all are counted)
 * @param mapping   the column mapping of the generic csv and jsonl formats, else null
 */
public record ReadOptions(ReadMode mode, long seed, int maxErrors, ColumnMapping mapping) {

    public static final int DEFAULT_MAX_ERRORS = 10;

    public ReadOptions {
        Objects.requireNonNull(mode, "mode");
        if (maxErrors < 0) {
            throw new IllegalArgumentException("maxErrors must be >= 0, got " + maxErrors);
        }
    }

    /** Fail at the first bad row; seed 0. */
    public static ReadOptions strict() {
        return new ReadOptions(ReadMode.STRICT, 0, DEFAULT_MAX_ERRORS, null);
    }

    /** Skip and count bad rows, keeping the first ten errors; seed 0. */
    public static ReadOptions lenient() {
        return new ReadOptions(ReadMode.LENIENT, 0, DEFAULT_MAX_ERRORS, null);
    }

    public ReadOptions withSeed(long newSeed) {
        return new ReadOptions(mode, newSeed, maxErrors, mapping);
    }

    public ReadOptions withMaxErrors(int newMaxErrors) {
        return new ReadOptions(mode, seed, newMaxErrors, mapping);
    }

    public ReadOptions withMapping(ColumnMapping newMapping) {
        return new ReadOptions(mode, seed, maxErrors, newMapping);
    }
}
