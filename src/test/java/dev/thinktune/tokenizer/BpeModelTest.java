package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two merge loops (rescanning for short pieces, priority queue for long ones) give the same tokens. */
class BpeModelTest {

    /** Byte b is token b; merges: (a,a)->256 rank 0, (256,256)->257 rank 1, (a,b)->258 rank 2, (b,a)->259 rank 2. */
    private static BpeModel model() {
        int[] byteToId = new int[256];
        for (int b = 0; b < 256; b++) {
            byteToId[b] = b;
        }
        MergeTable merges = new MergeTable(8);
        merges.put('a', 'a', 0, 256);
        merges.put(256, 256, 1, 257);
        merges.put('a', 'b', 2, 258);
        merges.put('b', 'a', 2, 259);
        return new BpeModel(byteToId, merges, null, -1, false, 0);
    }

    private static int[] bytes(String s) {
        return s.chars().toArray();
    }

    @Test
    void equalRanksMergeLeftmostFirst() {
        BpeModel m = model();
        // "aaa": (a,a) at 0 and 1, rank 0 both: the leftmost merges -> [aa, a]
        int[] s = bytes("aaa");
        assertEquals(2, m.mergeLinear(s, 3));
        assertArrayEquals(new int[] {256, 'a'}, Arrays.copyOf(s, 2));
        // "aaaa" -> [aa, aa] -> [aaaa]
        s = bytes("aaaa");
        assertEquals(1, m.mergeLinear(s, 4));
        assertEquals(257, s[0]);
        // "bab": (b,a) and (a,b) share rank 2: leftmost (b,a) first -> [ba, b]
        s = bytes("bab");
        assertEquals(2, m.mergeLinear(s, 3));
        assertArrayEquals(new int[] {259, 'b'}, Arrays.copyOf(s, 2));
    }

    @Test
    void queueMergingEqualsRescanningOnRandomWords() {
        BpeModel m = model();
        Random random = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            int n = random.nextInt(80);
            int[] word = new int[n];
            for (int k = 0; k < n; k++) {
                word[k] = "aabx".charAt(random.nextInt(4));
            }
            int[] linear = word.clone();
            int[] queued = word.clone();
            int nl = m.mergeLinear(linear, n);
            int nq = m.mergeWithQueue(queued, n);
            assertArrayEquals(Arrays.copyOf(linear, nl), Arrays.copyOf(queued, nq), () -> new String(word, 0, n));
        }
    }

    @Test
    void queueMergingEqualsRescanningWithTheFixtureMerges() {
        BpeModel m = ((ByteLevelBpeTokenizer) Fixtures.fixtureTokenizer()).model();
        Random random = new Random(4);
        String[] parts = {"a", "b", "c", "e", "i", "o", "s", "t", "th", "he", "in", "er", " ", "é", "東", "🚀", "1"};
        for (int i = 0; i < 5000; i++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(60);
            for (int k = 0; k < n; k++) {
                b.append(parts[random.nextInt(parts.length)]);
            }
            byte[] bytes = b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] linear = new int[bytes.length];
            int count = m.initialSymbols(bytes, linear);
            int[] queued = linear.clone();
            int nl = m.mergeLinear(linear, count);
            int nq = m.mergeWithQueue(queued, count);
            assertArrayEquals(Arrays.copyOf(linear, nl), Arrays.copyOf(queued, nq), b::toString);
        }
    }
}
