package dev.thinktune.data;

/** Turns one JSON object of a dataset into an {@link Example}, or throws a {@link DataFormatException}. */
@FunctionalInterface
public interface JsonRowMapper {
    Example map(JsonRow row);
}
