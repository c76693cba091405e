package dev.thinktune.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-character table ({@code bytes_to_unicode}): every byte is shown as one printable character so
 * that byte-level BPE vocabularies can be stored as text. Printable Latin-1 bytes stand for themselves; the
 * other 68 bytes map to U+0100 and up in byte order (space is {@code Ġ}, newline {@code Ċ}).
 */
public final class ByteLevelAlphabet {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The character that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 when it is not one of the 256 byte-level characters. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level text of some bytes. */
    public static String encode(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The byte-level text of some bytes. */
    public static String encode(byte[] bytes) {
        return encode(bytes, 0, bytes.length);
    }

    /**
     * The bytes a token's text stands for, as Hugging Face's ByteLevel decoder reads it: when every character is
     * a byte-level character, those bytes; otherwise (an added token such as {@code 日本}) the UTF-8 of the text.
     */
    public static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Whether every character of the text is a byte-level character. */
    static boolean isByteLevel(String token) {
        for (int i = 0; i < token.length(); i++) {
            if (byteOf(token.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** All 256 byte-level characters in byte order. */
    static String alphabet() {
        return new String(BYTE_TO_CHAR);
    }
}
