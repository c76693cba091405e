package dev.thinktune.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Byte-level BPE on the UTF-8 bytes of one pre-tokenized piece: start from one token per byte and repeatedly
 * merge the adjacent pair with the lowest rank, the leftmost first among equal ranks. That is both Hugging
 * Face's {@code BPE} model (rank = position in {@code merges}) and tiktoken (rank = rank of the merged bytes).
 * With {@code ignore_merges} (Hugging Face, Llama 3) and always in tiktoken, a piece that is itself a token is
 * emitted whole.
 *
 * <p>Results are cached per piece in a bounded cache per thread (see {@link PieceCache}): real text repeats its
 * words, so most pieces are found there. Safe to use from several threads.
 */
final class BpeModel {

    /** Pieces longer than this (in chars) are not cached. */
    private static final int MAX_CACHED_PIECE = 64;
    /** Above this many bytes a piece is merged with a priority queue instead of rescanning the pairs. */
    private static final int LINEAR_MERGE_LIMIT = 48;

    private final int[] byteToId;
    private final MergeTable merges;
    /** Byte-level-token bytes (as Latin-1 strings) to id, for emitting whole pieces; null when not done. */
    private final Map<String, Integer> wholePieces;
    private final int unknownId;
    private final boolean fuseUnknown;
    private final ThreadLocal<PieceCache> caches;

    /**
     * @param byteToId    the token of each single byte, -1 where there is none
     * @param merges      the merges by pair of ids
     * @param wholePieces token bytes (Latin-1 string of the bytes) to id, when whole pieces that are tokens are
     *                    emitted without merging; null otherwise
     * @param unknownId   the token for a byte without one, or -1 to drop such bytes (Hugging Face without
     *                    {@code unk_token})
     * @param fuseUnknown whether consecutive unknown bytes become one unknown token
     * @param cacheLimit  the most pieces cached (0 for none)
     */
    BpeModel(int[] byteToId, MergeTable merges, Map<String, Integer> wholePieces, int unknownId,
             boolean fuseUnknown, int cacheLimit) {
        if (byteToId.length != 256) {
            throw new IllegalArgumentException("byteToId must have 256 entries, has " + byteToId.length);
        }
        this.byteToId = byteToId.clone();
        this.merges = merges;
        this.wholePieces = wholePieces;
        this.unknownId = unknownId;
        this.fuseUnknown = fuseUnknown;
        this.caches = cacheLimit > 0 ? ThreadLocal.withInitial(() -> new PieceCache(cacheLimit)) : null;
    }

    /** This thread's cache, to pass to {@link #encode}; null when caching is off. */
    PieceCache cache() {
        return caches == null ? null : caches.get();
    }

    /** Appends the tokens of the piece {@code text[start, end)} to {@code out}, using {@code cache} if not null. */
    void encode(String text, int start, int end, IntArrayBuilder out, PieceCache cache) {
        int length = end - start;
        if (length == 1) {
            char c = text.charAt(start);
            if (c < 0x80 && byteToId[c] >= 0) {
                out.add(byteToId[c]);
                return;
            }
        }
        if (length > MAX_CACHED_PIECE || cache == null) {
            out.addAll(encodeBytes(Utf8.encode(text, start, end)));
            return;
        }
        int hash = PieceCache.hash(text, start, end);
        int[] ids = cache.get(text, start, end, hash);
        if (ids == null) {
            String piece = text.substring(start, end);
            ids = encodeBytes(Utf8.encode(piece));
            cache.put(piece, hash, ids);
        }
        out.addAll(ids);
    }

    /** The tokens of one piece given as bytes. */
    int[] encodeBytes(byte[] bytes) {
        if (wholePieces != null && bytes.length > 0) {
            Integer whole = wholePieces.get(new String(bytes, StandardCharsets.ISO_8859_1));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] symbols = new int[bytes.length];
        int n = initialSymbols(bytes, symbols);
        if (n <= LINEAR_MERGE_LIMIT) {
            n = mergeLinear(symbols, n);
        } else {
            n = mergeWithQueue(symbols, n);
        }
        return n == symbols.length ? symbols : java.util.Arrays.copyOf(symbols, n);
    }

    /** One token per byte into {@code symbols} (unknown bytes as the unknown token, or dropped); returns how many. */
    int initialSymbols(byte[] bytes, int[] symbols) {
        int n = 0;
        boolean lastUnknown = false;
        for (byte b : bytes) {
            int id = byteToId[b & 0xFF];
            if (id >= 0) {
                symbols[n++] = id;
                lastUnknown = false;
            } else if (unknownId >= 0) {
                if (!(fuseUnknown && lastUnknown)) {
                    symbols[n++] = unknownId;
                }
                lastUnknown = true;
            }
        }
        return n;
    }

    /**
     * Merges in place by rescanning the pair ranks after each merge (quadratic, fastest for short pieces).
     * Returns the new number of symbols.
     */
    int mergeLinear(int[] symbols, int n) {
        if (n < 2) {
            return n;
        }
        int[] slots = new int[n - 1];
        for (int i = 0; i < n - 1; i++) {
            slots[i] = merges.find(symbols[i], symbols[i + 1]);
        }
        while (n > 1) {
            int best = -1;
            int bestRank = MergeTable.NONE;
            for (int i = 0; i < n - 1; i++) {
                int slot = slots[i];
                if (slot >= 0) {
                    int rank = merges.rankAt(slot);
                    if (rank < bestRank) {
                        bestRank = rank;
                        best = i;
                    }
                }
            }
            if (best < 0) {
                break;
            }
            symbols[best] = merges.resultAt(slots[best]);
            System.arraycopy(symbols, best + 2, symbols, best + 1, n - best - 2);
            if (best + 1 < n - 1) {
                System.arraycopy(slots, best + 2, slots, best + 1, n - best - 3);
            }
            n--;
            if (best > 0) {
                slots[best - 1] = merges.find(symbols[best - 1], symbols[best]);
            }
            if (best < n - 1) {
                slots[best] = merges.find(symbols[best], symbols[best + 1]);
            }
        }
        return n;
    }

    /**
     * Merges with a priority queue of (rank, position) over a linked list of symbols, as Hugging Face's
     * {@code Word::merge_all} does: n log n for long pieces. Returns the new number of symbols.
     */
    int mergeWithQueue(int[] symbols, int n) {
        if (n < 2) {
            return n;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i < n - 1; i++) {
            int rank = merges.rank(symbols[i], symbols[i + 1]);
            if (rank != MergeTable.NONE) {
                queue.push(entry(rank, i));
            }
        }
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int slot = merges.find(symbols[pos], symbols[right]);
            if (slot < 0 || merges.rankAt(slot) != rank) {
                continue;
            }
            symbols[pos] = merges.resultAt(slot);
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                int r = merges.rank(symbols[prev[pos]], symbols[pos]);
                if (r != MergeTable.NONE) {
                    queue.push(entry(r, prev[pos]));
                }
            }
            if (next[pos] >= 0) {
                int r = merges.rank(symbols[pos], symbols[next[pos]]);
                if (r != MergeTable.NONE) {
                    queue.push(entry(r, pos));
                }
            }
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                symbols[m++] = symbols[i];
            }
        }
        return m;
    }

    private static long entry(int rank, int pos) {
        return ((long) rank << 32) | pos;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == heap.length) {
                heap = java.util.Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long pop() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
