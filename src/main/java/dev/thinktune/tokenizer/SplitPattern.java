package dev.thinktune.tokenizer;

/**
 * A pre-tokenizer regex used in "isolated" mode: the text is cut into the pattern's successive matches, and any
 * text between matches becomes a piece of its own. The patterns that byte-level BPE tokenizers use (Llama 3's,
 * Qwen2's, GPT-2's) are
 * implemented by hand-written scanners (exact on all of Unicode and much faster than {@code java.util.regex});
 * other patterns run on {@code java.util.regex} with Unicode character classes.
 */
sealed interface SplitPattern permits Llama3SplitPattern, Gpt2SplitPattern, RegexSplitPattern {

    /** The Llama 3 (and tiktoken cl100k) split regex as it appears in {@code tokenizer.json}. */
    String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Qwen2's split regex: Llama 3's with single digits ({@code \p{N}} for {@code \p{N}{1,3}}). */
    String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** GPT-2's split regex, the one Hugging Face's ByteLevel pre-tokenizer applies with {@code use_regex}. */
    String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Cuts {@code text[start, end)} into pieces, in order, covering all of it; the range's end is end of text. */
    void split(String text, int start, int end, PieceSink sink);

    /** The original regex. */
    String regex();

    /** The scanner for a known regex, else the regex on {@code java.util.regex}. */
    static SplitPattern of(String regex) {
        if (LLAMA3_REGEX.equals(regex)) {
            return new Llama3SplitPattern();
        }
        if (QWEN2_REGEX.equals(regex)) {
            return Llama3SplitPattern.qwen2();
        }
        if (GPT2_REGEX.equals(regex)) {
            return new Gpt2SplitPattern();
        }
        return RegexSplitPattern.compile(regex);
    }
}
