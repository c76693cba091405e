package dev.thinktune.tokenizer;

import java.util.OptionalInt;
import java.util.Set;

/**
 * Text to token ids and back, exactly as the reference implementation of the tokenizer's format does.
 * Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /** Token ids of {@code text}; with {@code addSpecial} the post-processor's tokens (BOS) are added. */
    int[] encode(String text, boolean addSpecial);

    /** Text of {@code ids}, special tokens included; invalid UTF-8 becomes U+FFFD as Hugging Face does. */
    String decode(int[] ids);

    /** Text of {@code ids} without the special (control) tokens. */
    String decode(int[] ids, boolean skipSpecial);

    /** Number of ids, the largest id plus one. */
    int vocabSize();

    /** The id of a token (special or ordinary) given by its string form, if present. */
    OptionalInt tokenId(String token);

    /** The string form of a token id (byte-level form for ordinary tokens). */
    String token(int id);

    /** Ids of the special tokens (never produced by splitting ordinary text). */
    Set<Integer> specialIds();

    /** The bytes a token stands for (for a special token, the UTF-8 of its text). */
    default byte[] tokenBytes(int id) {
        return ByteLevelAlphabet.decode(token(id));
    }

    /** The beginning-of-sequence token that {@code encode(text, true)} puts first, if the tokenizer has one. */
    default OptionalInt bosId() {
        int[] ids = encode("", true);
        return ids.length > 0 ? OptionalInt.of(ids[0]) : OptionalInt.empty();
    }

    /**
     * The end-of-sequence token: the {@code eos_token} of a {@code tokenizer_config.json} beside the tokenizer, else
     * the first present of {@code <|end_of_text|>}, {@code <|endoftext|>}, {@code </s>}, {@code <eos>}.
     */
    default OptionalInt eosId() {
        for (String name : java.util.List.of("<|end_of_text|>", "<|endoftext|>", "</s>", "<eos>")) {
            OptionalInt id = tokenId(name);
            if (id.isPresent()) {
                return id;
            }
        }
        return OptionalInt.empty();
    }

    /** A decoder for streaming output: feed ids one at a time, get text that is whole characters only. */
    StreamingDecoder streamingDecoder();

    /** As {@link #streamingDecoder()}; with {@code skipSpecial} the special tokens print nothing. */
    default StreamingDecoder streamingDecoder(boolean skipSpecial) {
        StreamingDecoder all = streamingDecoder();
        if (!skipSpecial) {
            return all;
        }
        Set<Integer> special = specialIds();
        return new StreamingDecoder() {
            @Override
            public String next(int id) {
                return special.contains(id) ? "" : all.next(id);
            }

            @Override
            public String flush() {
                return all.flush();
            }
        };
    }

    /** Incremental decoding: a multi-byte character split across tokens is printed once, whole. */
    interface StreamingDecoder {
        /** Feeds one id and returns the new complete text it finishes (possibly empty). */
        String next(int id);

        /** Returns whatever is pending at the end (incomplete bytes as U+FFFD). */
        String flush();
    }
}
