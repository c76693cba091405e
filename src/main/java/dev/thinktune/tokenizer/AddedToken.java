package dev.thinktune.tokenizer;

/**
 * A token matched in the raw text before pre-tokenization, as in Hugging Face's {@code added_tokens}.
 *
 * @param id         its id
 * @param content    the text it matches
 * @param special    a control token: skipped by {@code decode(ids, true)}
 * @param singleWord matched only when no word character touches it on either side
 * @param lstrip     takes the whitespace on its left with it
 * @param rstrip     takes the whitespace on its right with it
 * @param normalized matched in the normalized text (after the non-normalized tokens were taken out)
 */
public record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip,
                         boolean rstrip, boolean normalized) {

    public AddedToken {
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " has empty content");
        }
        if (id < 0) {
            throw new IllegalArgumentException("added token " + content + " has negative id " + id);
        }
    }

    /** A special token as Llama 3 declares them: no stripping, not single-word, not normalized. */
    public static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false, false);
    }
}
