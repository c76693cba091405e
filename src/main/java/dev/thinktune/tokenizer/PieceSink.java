package dev.thinktune.tokenizer;

/** Receives the pieces a splitter cuts out of a text: {@code text[start, end)}. */
@FunctionalInterface
interface PieceSink {
    void accept(String text, int start, int end);
}
