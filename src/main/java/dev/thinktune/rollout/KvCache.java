package dev.thinktune.rollout;

/**
 * Keys and values of every layer for a number of sequence slots. Per layer and (slot, kv head) a block of
 * {@code headDim × stride} floats, where {@code stride} is the capacity rounded up to whole vectors:
 * keys are stored transposed ({@code [headDim][position]}), so the scores of one query against every position
 * are vector products along the positions, without horizontal sums; values are stored
 * {@code [position][headDim]}, so the weighted sum of values runs along the head dimension. Keys are stored
 * after the rotary embedding.
 */
final class KvCache {
    final int slots;
    final int capacity;
    final int stride;
    final int kvHeads;
    final int headDim;
    final float[][] k;
    final float[][] v;

    KvCache(int layers, int slots, int capacity, int kvHeads, int headDim) {
        int l = PackedMatrix.L;
        this.stride = (capacity + l - 1) / l * l;
        long perLayer = (long) slots * kvHeads * stride * headDim;
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

    /** Offset of the block of (slot, kv head): keys at {@code + d*stride + t}, values at {@code + t*headDim + d}. */
    int base(int slot, int kvHead) {
        return (slot * kvHeads + kvHead) * stride * headDim;
    }

    /** Stores the key and value of one (slot, kv head, position). */
    void store(int layer, int slot, int kvHead, int pos, float[] src, int keyOff, int valueOff) {
        int b = base(slot, kvHead);
        float[] kl = k[layer];
        for (int d = 0; d < headDim; d++) {
            kl[b + d * stride + pos] = src[keyOff + d];
        }
        System.arraycopy(src, valueOff, v[layer], b + pos * headDim, headDim);
    }

    /** Copies positions {@code [0, length)} of slot {@code from} to slot {@code to} in every layer. */
    void copyPrefix(int from, int to, int length) {
        for (int l = 0; l < k.length; l++) {
            for (int g = 0; g < kvHeads; g++) {
                int a = base(from, g), b = base(to, g);
                for (int d = 0; d < headDim; d++) {
                    System.arraycopy(k[l], a + d * stride, k[l], b + d * stride, length);
                }
                System.arraycopy(v[l], a, v[l], b, length * headDim);
            }
        }
    }
}
