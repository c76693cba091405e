package dev.thinktune.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Trains a byte-level BPE vocabulary with the semantics of Hugging Face's {@code BpeTrainer}: the vocabulary
 * starts with the special tokens, then the 256 byte-level characters in code point order; each round merges the
 * pair with the highest count over the pre-tokenized words (a word counts as often as it occurs), ties going to
 * the smallest pair of ids; it stops at the vocabulary size or when no pair occurs {@code minFrequency} times.
 * Pair counts are updated incrementally from the words a merge touches, with a lazily refreshed max-heap, as the
 * reference does, so that both produce the same vocabulary and merges.
 */
public final class BpeTrainer {

    /**
     * @param vocabSize     the vocabulary size to reach, special tokens included
     * @param minFrequency  the lowest count a pair must have to be merged (at least 1)
     * @param specialTokens the special tokens, given ids 0, 1, ...
     */
    public record Options(int vocabSize, long minFrequency, List<String> specialTokens) {
        public Options {
            specialTokens = List.copyOf(specialTokens);
            if (vocabSize < specialTokens.size() + 256) {
                throw new IllegalArgumentException("vocab size " + vocabSize + " is below the " + specialTokens.size()
                        + " special tokens plus the 256 byte tokens");
            }
            if (minFrequency < 0) {
                throw new IllegalArgumentException("min frequency " + minFrequency + " is negative");
            }
        }
    }

    /**
     * The trained model.
     *
     * @param vocab  token (byte-level text) to id, in id order
     * @param merges the merges in rank order, each a pair of byte-level token texts
     */
    public record Result(Map<String, Integer> vocab, List<String[]> merges, List<String> specialTokens) {
    }

    private final Options options;

    public BpeTrainer(Options options) {
        this.options = options;
    }

    /** Trains on word counts (pre-tokenized pieces of raw text and how often each occurs). */
    public Result train(Map<String, Long> wordCounts) {
        List<String> idToWord = new ArrayList<>();
        Map<String, Integer> wordToId = new HashMap<>();
        for (String special : options.specialTokens()) {
            if (!wordToId.containsKey(special)) {
                wordToId.put(special, idToWord.size());
                idToWord.add(special);
            }
        }
        char[] alphabet = ByteLevelAlphabet.alphabet().toCharArray();
        Arrays.sort(alphabet);
        for (char c : alphabet) {
            String s = String.valueOf(c);
            if (!wordToId.containsKey(s)) {
                wordToId.put(s, idToWord.size());
                idToWord.add(s);
            }
        }
        int[] byteToId = new int[256];
        for (int b = 0; b < 256; b++) {
            byteToId[b] = wordToId.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }

        Word[] words = new Word[wordCounts.size()];
        long[] counts = new long[wordCounts.size()];
        int w = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                symbols[i] = byteToId[bytes[i] & 0xFF];
            }
            words[w] = new Word(symbols);
            counts[w] = e.getValue();
            w++;
        }

        PairCounts pairCounts = new PairCounts();
        Map<Long, IntList> whereToUpdate = new HashMap<>();
        for (int i = 0; i < words.length; i++) {
            Word word = words[i];
            for (int k = 0; k + 1 < word.size; k++) {
                long pair = pair(word.symbols[k], word.symbols[k + 1]);
                pairCounts.add(pair, (int) counts[i]);
                whereToUpdate.computeIfAbsent(pair, p -> new IntList()).addUnique(i);
            }
        }
        PriorityQueue<Merge> queue = new PriorityQueue<>();
        pushAll(whereToUpdate, pairCounts, queue);

        List<long[]> merges = new ArrayList<>();
        IntList changedPairs = new IntList();
        List<Long> changePairKeys = new ArrayList<>();
        while (wordToId.size() < options.vocabSize() && !queue.isEmpty()) {
            Merge top = queue.poll();
            long current = pairCounts.get(top.pair);
            if (top.count != current) {
                queue.add(new Merge(top.pair, current, top.positions));
                continue;
            }
            if (top.count < 1 || options.minFrequency() > top.count) {
                break;
            }
            int left = (int) (top.pair >>> 32);
            int right = (int) top.pair;
            String newToken = idToWord.get(left) + idToWord.get(right);
            Integer newId = wordToId.get(newToken);
            if (newId == null) {
                newId = idToWord.size();
                idToWord.add(newToken);
                wordToId.put(newToken, newId);
            }
            merges.add(new long[] {top.pair, newId});

            for (int p = 0; p < top.positions.size; p++) {
                int wi = top.positions.values[p];
                changePairKeys.clear();
                changedPairs.clear();
                words[wi].merge(left, right, newId, changePairKeys, changedPairs);
                for (int c = 0; c < changePairKeys.size(); c++) {
                    long changed = changePairKeys.get(c);
                    int change = changedPairs.values[c];
                    pairCounts.add(changed, change * (int) counts[wi]);
                    if (change > 0) {
                        whereToUpdate.computeIfAbsent(changed, k -> new IntList()).addUnique(wi);
                    }
                }
            }
            pushAll(whereToUpdate, pairCounts, queue);
        }

        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < idToWord.size(); id++) {
            vocab.put(idToWord.get(id), id);
        }
        List<String[]> mergeTexts = new ArrayList<>(merges.size());
        for (long[] m : merges) {
            mergeTexts.add(new String[] {idToWord.get((int) (m[0] >>> 32)), idToWord.get((int) m[0])});
        }
        return new Result(vocab, mergeTexts, options.specialTokens());
    }

    private static void pushAll(Map<Long, IntList> whereToUpdate, PairCounts pairCounts, PriorityQueue<Merge> queue) {
        for (Map.Entry<Long, IntList> e : whereToUpdate.entrySet()) {
            long count = pairCounts.get(e.getKey());
            if (count > 0) {
                queue.add(new Merge(e.getKey(), count, e.getValue()));
            }
        }
        whereToUpdate.clear();
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** A queue entry: the pair, its count when queued, and the words it was seen in. Highest count first. */
    private record Merge(long pair, long count, IntList positions) implements Comparable<Merge> {
        @Override
        public int compareTo(Merge o) {
            if (count != o.count) {
                return Long.compare(o.count, count);
            }
            int l = (int) (pair >>> 32);
            int ol = (int) (o.pair >>> 32);
            if (l != ol) {
                return Integer.compare(l, ol);
            }
            return Integer.compare((int) pair, (int) o.pair);
        }
    }

    /** A word's current symbols. */
    private static final class Word {
        int[] symbols;
        int size;

        Word(int[] symbols) {
            this.symbols = symbols;
            this.size = symbols.length;
        }

        /**
         * Merges every {@code (c1, c2)} left to right and reports the pair-count changes exactly as Hugging Face's
         * {@code Word::merge} does: -1 for each neighbour pair destroyed, +1 for each formed (the merged pair's
         * own count is not lowered there; the trainer relies on its queue entry being consumed).
         */
        void merge(int c1, int c2, int replacement, List<Long> changedKeys, IntList changes) {
            int i = 0;
            while (i < size) {
                if (symbols[i] == c1 && i + 1 < size && symbols[i + 1] == c2) {
                    if (i > 0) {
                        changedKeys.add(pair(symbols[i - 1], c1));
                        changes.add(-1);
                        changedKeys.add(pair(symbols[i - 1], replacement));
                        changes.add(1);
                    }
                    symbols[i] = replacement;
                    System.arraycopy(symbols, i + 2, symbols, i + 1, size - i - 2);
                    size--;
                    if (i < size - 1) {
                        changedKeys.add(pair(c2, symbols[i + 1]));
                        changes.add(-1);
                        changedKeys.add(pair(replacement, symbols[i + 1]));
                        changes.add(1);
                    }
                }
                i++;
            }
        }
    }

    /** A growable int list. */
    private static final class IntList {
        int[] values = new int[4];
        int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        /** Adds unless it is the last value added (word indices arrive grouped by word). */
        void addUnique(int v) {
            if (size == 0 || values[size - 1] != v) {
                add(v);
            }
        }

        void clear() {
            size = 0;
        }
    }

    /** Pair counts as Hugging Face keeps them (32-bit). */
    private static final class PairCounts {
        private final Map<Long, int[]> counts = new HashMap<>();

        void add(long pair, int delta) {
            counts.computeIfAbsent(pair, k -> new int[1])[0] += delta;
        }

        long get(long pair) {
            int[] c = counts.get(pair);
            return c == null ? 0 : c[0];
        }
    }
}
