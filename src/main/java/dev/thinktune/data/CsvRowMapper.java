package dev.thinktune.data;

import java.util.List;

/** Turns one CSV record into an {@link Example}, or throws a {@link DataFormatException}. */
@FunctionalInterface
public interface CsvRowMapper {

    Example map(CsvRow row);

    /** Columns the header must have; checked before the first record. */
    default List<String> requiredColumns() {
        return List.of();
    }
}
