package dev.thinktune.tokenizer;

import java.util.Arrays;

/**
 * The merges of a BPE model: for an adjacent pair of token ids, the rank of their merge (lower merges first)
 * and the id of the merged token. An open-addressing hash table on primitive arrays, filled once and then only
 * read, so that the merge loop touches no boxed values.
 */
final class MergeTable {

    static final int NONE = Integer.MAX_VALUE;
    private static final long EMPTY = -1L;

    private long[] keys;
    private int[] ranks;
    private int[] results;
    private int size;
    private int mask;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        results = new int[capacity];
        mask = capacity - 1;
    }

    /** Sets the merge of {@code (left, right)}; a pair given again takes the later rank, as Hugging Face does. */
    void put(int left, int right, int rank, int result) {
        if (size * 2 >= keys.length) {
            grow();
        }
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == EMPTY) {
            size++;
        }
        keys[slot] = key;
        ranks[slot] = rank;
        results[slot] = result;
    }

    /** The slot of the pair's merge, or -1 when the pair does not merge. */
    int find(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return slot;
            }
            if (k == EMPTY) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Rank of the pair's merge, or {@link #NONE}. */
    int rank(int left, int right) {
        int slot = find(left, right);
        return slot < 0 ? NONE : ranks[slot];
    }

    int rankAt(int slot) {
        return ranks[slot];
    }

    int resultAt(int slot) {
        return results[slot];
    }

    int size() {
        return size;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldRanks = ranks;
        int[] oldResults = results;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        ranks = new int[keys.length];
        results = new int[keys.length];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put((int) (oldKeys[i] >>> 32), (int) oldKeys[i], oldRanks[i], oldResults[i]);
            }
        }
    }
}
