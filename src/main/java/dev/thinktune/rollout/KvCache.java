package dev.thinktune.rollout;

/**
 * Keys and values of every layer for a number of sequence slots. The arrays are kept from call to call and laid
 * out anew for each call's slots and length, growing only when a call needs more floats than they hold (a
 * trainer alternates many short sequences with fewer long ones). Per layer and (slot, kv head) a block of
 * {@code headDim × stride} floats, where {@code stride} is the capacity rounded up to whole vectors:
 * keys are stored transposed ({@code [headDim][position]}), so the scores of one query against every position
 * are vector products along the positions, without horizontal sums; values are stored
 * {@code [position][headDim]}, so the weighted sum of values runs along the head dimension. Keys are stored
 * after the rotary embedding.
 */
final class KvCache {
    final int kvHeads;
    final int headDim;
    final float[][] k;
    final float[][] v;
    int slots;
    int capacity;
    int stride;

    KvCache(int layers, int kvHeads, int headDim) {
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.k = new float[layers][0];
        this.v = new float[layers][0];
    }

    /** Lays the cache out for {@code slots} sequences of up to {@code capacity} tokens (contents undefined). */
    void layout(int slots, int capacity) {
        int l = PackedMatrix.L;
        int stride = (capacity + l - 1) / l * l;
        long perLayer = (long) slots * kvHeads * stride * headDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("key/value cache of " + slots + " sequences of " + capacity
                    + " tokens does not fit a Java array per layer; generate fewer sequences at once");
        }
        if (perLayer > k[0].length) {
            for (int i = 0; i < k.length; i++) {
                k[i] = null; // let the old arrays go before allocating the new ones
                v[i] = null;
            }
            for (int i = 0; i < k.length; i++) {
                k[i] = new float[(int) perLayer];
                v[i] = new float[(int) perLayer];
            }
        }
        this.slots = slots;
        this.capacity = capacity;
        this.stride = stride;
    }

    /** Bytes of the arrays now allocated. */
    long bytes() {
        long n = 0;
        for (int i = 0; i < k.length; i++) {
            n += (long) k[i].length + v[i].length;
        }
        return 4 * n;
    }

    /** Frees the arrays; the next {@link #layout} allocates again. */
    void release() {
        for (int i = 0; i < k.length; i++) {
            k[i] = new float[0];
            v[i] = new float[0];
        }
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
