package dev.thinktune.tokenizer;

/**
 * What {@code encode(text, true)} puts around the text's tokens: Hugging Face's {@code TemplateProcessing} for a
 * single sequence ({@code <|begin_of_text|> $A} in Llama 3), or nothing.
 *
 * @param prefix ids before the text
 * @param suffix ids after the text
 */
record SpecialTokenTemplate(int[] prefix, int[] suffix) {

    static final SpecialTokenTemplate NONE = new SpecialTokenTemplate(new int[0], new int[0]);

    SpecialTokenTemplate {
        prefix = prefix.clone();
        suffix = suffix.clone();
    }

    static SpecialTokenTemplate bos(int bosId) {
        return new SpecialTokenTemplate(new int[] {bosId}, new int[0]);
    }

    int[] apply(int[] ids, int n) {
        int[] out = new int[prefix.length + n + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(ids, 0, out, prefix.length, n);
        System.arraycopy(suffix, 0, out, prefix.length + n, suffix.length);
        return out;
    }
}
