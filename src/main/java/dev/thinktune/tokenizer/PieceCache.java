package dev.thinktune.tokenizer;

import java.util.Arrays;

/**
 * The BPE result of recently seen pieces, looked up by a region of the text without copying it out. An
 * open-addressing table used by one thread only; when it is full it starts over empty (real text keeps reusing
 * the same few thousand words, which come back at once).
 */
final class PieceCache {

    private final int capacity;
    private final String[] keys;
    private final int[] hashes;
    private final int[][] values;
    private final int mask;
    private int size;

    /** @param capacity the most pieces held (a power of two is used for twice as many slots) */
    PieceCache(int capacity) {
        this.capacity = capacity;
        int slots = Integer.highestOneBit(Math.max(16, capacity * 2 - 1)) << 1;
        keys = new String[slots];
        hashes = new int[slots];
        values = new int[slots][];
        mask = slots - 1;
    }

    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    /** The cached ids of {@code text[start, end)} whose {@link #hash} is {@code hash}, or null. */
    int[] get(String text, int start, int end, int hash) {
        int length = end - start;
        int slot = hash & mask;
        while (true) {
            String key = keys[slot];
            if (key == null) {
                return null;
            }
            if (hashes[slot] == hash && key.length() == length && key.regionMatches(0, text, start, length)) {
                return values[slot];
            }
            slot = (slot + 1) & mask;
        }
    }

    void put(String key, int hash, int[] ids) {
        if (size >= capacity) {
            Arrays.fill(keys, null);
            Arrays.fill(values, null);
            size = 0;
        }
        int slot = hash & mask;
        while (keys[slot] != null) {
            if (hashes[slot] == hash && keys[slot].equals(key)) {
                values[slot] = ids;
                return;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        hashes[slot] = hash;
        values[slot] = ids;
        size++;
    }
}
