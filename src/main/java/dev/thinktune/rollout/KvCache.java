package dev.thinktune.rollout;

/**
 * Keys and values of every layer for a number of sequence slots: per layer
 * {@code [slot][kvHead][position][headDim]}, so one head's keys over a sequence are contiguous for attention.
 * Keys are stored after the rotary embedding.
 */
final class KvCache {
    final int slots;
    final int capacity;
    final int kvHeads;
    final int headDim;
    final float[][] k;
    final float[][] v;

    KvCache(int layers, int slots, int capacity, int kvHeads, int headDim) {
        long perLayer = (long) slots * kvHeads * capacity * headDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("key/value cache of " + slots + " sequences of " + capacity
                    + " tokens does not fit a Java array per layer; generate fewer sequences at once");
        }
        this.slots = slots;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.k = new float[layers][(int) perLayer];
        this.v = new float[layers][(int) perLayer];
    }

    boolean fits(int slotCount, int length) {
        return slotCount <= slots && length <= capacity;
    }

    /** Offset of (slot, kv head, position 0). */
    int base(int slot, int kvHead) {
        return (slot * kvHeads + kvHead) * capacity * headDim;
    }

    /** Copies positions {@code [0, length)} of slot {@code from} to slot {@code to} in every layer. */
    void copyPrefix(int from, int to, int length) {
        int n = length * headDim;
        for (int l = 0; l < k.length; l++) {
            for (int g = 0; g < kvHeads; g++) {
                System.arraycopy(k[l], base(from, g), k[l], base(to, g), n);
                System.arraycopy(v[l], base(from, g), v[l], base(to, g), n);
            }
        }
    }

    long bytes() {
        return 8L * k.length * k[0].length;
    }
}
