package dev.thinktune.tokenizer;

import java.util.Arrays;

/** A growable list of ints. */
final class IntArrayBuilder {
    private int[] values;
    private int size;

    IntArrayBuilder(int capacity) {
        values = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = v;
    }

    void addAll(int[] vs) {
        addAll(vs, vs.length);
    }

    void addAll(int[] vs, int n) {
        if (size + n > values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, size + n));
        }
        System.arraycopy(vs, 0, values, size, n);
        size += n;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
