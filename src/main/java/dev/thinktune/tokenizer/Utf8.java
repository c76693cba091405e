package dev.thinktune.tokenizer;

/**
 * UTF-8 as the reference implementations handle it. Decoding is lossy the way Rust's
 * {@code String::from_utf8_lossy} and Python's {@code errors="replace"} are: one U+FFFD for each maximal
 * subpart of an ill-formed sequence (the Unicode "substitution of maximal subparts" practice). Encoding writes
 * a lone surrogate, which neither Rust nor Python strings can hold, as U+FFFD.
 */
final class Utf8 {

    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** The UTF-8 bytes of {@code s[from, to)}. */
    static byte[] encode(CharSequence s, int from, int to) {
        byte[] out = new byte[(to - from) * 3];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | (c >> 6));
                out[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                if (n + 4 > out.length) {
                    out = java.util.Arrays.copyOf(out, out.length + 4);
                }
                out[n++] = (byte) (0xF0 | (cp >> 18));
                out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                char d = Character.isSurrogate(c) ? REPLACEMENT : c;
                out[n++] = (byte) (0xE0 | (d >> 12));
                out[n++] = (byte) (0x80 | ((d >> 6) & 0x3F));
                out[n++] = (byte) (0x80 | (d & 0x3F));
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    static byte[] encode(CharSequence s) {
        return encode(s, 0, s.length());
    }

    /** Lossy decoding of {@code bytes[from, to)}. */
    static String decode(byte[] bytes, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        decodeInto(bytes, from, to, out);
        return out.toString();
    }

    static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Appends the lossy decoding of {@code bytes[from, to)} to {@code out}. */
    static void decodeInto(byte[] bytes, int from, int to, StringBuilder out) {
        int i = from;
        while (i < to) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                out.append((char) b);
                i++;
                continue;
            }
            int need = sequenceLength(b);
            if (need == 0) {
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int cp = b & (0xFF >> (need + 1));
            int j = 1;
            while (j < need) {
                if (i + j >= to) {
                    break;
                }
                int c = bytes[i + j] & 0xFF;
                if (c < lowerBound(b, j) || c > upperBound(b, j)) {
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
                j++;
            }
            if (j == need) {
                out.appendCodePoint(cp);
            } else {
                out.append(REPLACEMENT);
            }
            i += j;
        }
    }

    /**
     * How many bytes at the end of {@code bytes[0, len)} are the start of a well-formed sequence that is not yet
     * complete (0 to 3): a streaming decoder holds them back until the next token brings the rest.
     */
    static int incompleteTail(byte[] bytes, int len) {
        for (int k = 1; k <= 3 && k <= len; k++) {
            int b = bytes[len - k] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;
            }
            int need = sequenceLength(b);
            if (need <= k) {
                return 0;
            }
            for (int j = 1; j < k; j++) {
                int c = bytes[len - k + j] & 0xFF;
                if (c < lowerBound(b, j) || c > upperBound(b, j)) {
                    return 0;
                }
            }
            return k;
        }
        return 0;
    }

    /** Length of the sequence a lead byte starts, or 0 when the byte cannot start one. */
    private static int sequenceLength(int b) {
        if (b >= 0xC2 && b <= 0xDF) {
            return 2;
        }
        if (b >= 0xE0 && b <= 0xEF) {
            return 3;
        }
        if (b >= 0xF0 && b <= 0xF4) {
            return 4;
        }
        return 0;
    }

    /** The smallest allowed byte at position {@code j} (1-based after the lead) of a sequence led by {@code lead}. */
    private static int lowerBound(int lead, int j) {
        if (j == 1 && lead == 0xE0) {
            return 0xA0;
        }
        if (j == 1 && lead == 0xF0) {
            return 0x90;
        }
        return 0x80;
    }

    private static int upperBound(int lead, int j) {
        if (j == 1 && lead == 0xED) {
            return 0x9F;
        }
        if (j == 1 && lead == 0xF4) {
            return 0x8F;
        }
        return 0xBF;
    }
}
