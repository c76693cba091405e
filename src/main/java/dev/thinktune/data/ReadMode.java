package dev.thinktune.data;

/** What a reader does with a bad row. */
public enum ReadMode {
    /** throw a {@link DataFormatException} at the first bad row */
    STRICT,
    /** skip bad rows, counting them and keeping the first few errors (see {@link ReadResult}) */
    LENIENT
}
