package dev.thinktune.tokenizer;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Decodes token ids one at a time: the bytes of each token are added to what is pending, and all of it is
 * decoded except a trailing, still incomplete UTF-8 sequence, which waits for the next token. The concatenated
 * output equals decoding all the ids at once.
 */
final class Utf8StreamingDecoder implements Tokenizer.StreamingDecoder {

    private final IntFunction<byte[]> bytesOfId;
    private byte[] pending = new byte[8];
    private int size;

    /** @param bytesOfId the bytes of an id, or null to ignore the id */
    Utf8StreamingDecoder(IntFunction<byte[]> bytesOfId) {
        this.bytesOfId = bytesOfId;
    }

    @Override
    public String next(int id) {
        byte[] b = bytesOfId.apply(id);
        if (b == null || b.length == 0) {
            return "";
        }
        if (size + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, pending, size, b.length);
        size += b.length;
        int keep = Utf8.incompleteTail(pending, size);
        if (keep == size) {
            return "";
        }
        String text = Utf8.decode(pending, 0, size - keep);
        System.arraycopy(pending, size - keep, pending, 0, keep);
        size = keep;
        return text;
    }

    @Override
    public String flush() {
        String text = Utf8.decode(pending, 0, size);
        size = 0;
        return text;
    }
}
