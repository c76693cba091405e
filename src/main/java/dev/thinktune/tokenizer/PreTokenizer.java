package dev.thinktune.tokenizer;

import java.util.List;

/**
 * Cuts a stretch of text (between added tokens) into the pieces that BPE encodes one by one. The variants are
 * those of Hugging Face's {@code pre_tokenizer} that byte-level BPE uses; the final byte-to-character mapping of
 * {@code ByteLevel} is implicit, since the BPE model works on the pieces' UTF-8 bytes.
 */
sealed interface PreTokenizer {

    /** Cuts {@code text[start, end)} into pieces. */
    void pretokenize(String text, int start, int end, PieceSink sink);

    /** {@code Split} with behaviour {@code Isolated} and no inversion. */
    record Split(SplitPattern pattern) implements PreTokenizer {
        @Override
        public void pretokenize(String text, int start, int end, PieceSink sink) {
            pattern.split(text, start, end, sink);
        }
    }

    /**
     * {@code ByteLevel}: with {@code addPrefixSpace} a space is put before each non-empty piece that does not
     * start with one when it reaches this step; with {@code useRegex} the piece is then cut with GPT-2's regex.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        private static final Gpt2SplitPattern GPT2 = new Gpt2SplitPattern();

        @Override
        public void pretokenize(String text, int start, int end, PieceSink sink) {
            String s = text;
            int from = start;
            int to = end;
            if (addPrefixSpace && start < end && text.charAt(start) != ' ') {
                s = " " + text.substring(start, end);
                from = 0;
                to = s.length();
            }
            if (useRegex) {
                GPT2.split(s, from, to, sink);
            } else if (to > from) {
                sink.accept(s, from, to);
            }
        }
    }

    /** Several pre-tokenizers, each applied to every piece of the one before. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public void pretokenize(String text, int start, int end, PieceSink sink) {
            run(0, text, start, end, sink);
        }

        private void run(int step, String text, int start, int end, PieceSink sink) {
            if (step == steps.size()) {
                sink.accept(text, start, end);
                return;
            }
            steps.get(step).pretokenize(text, start, end, (t, s, e) -> run(step + 1, t, s, e, sink));
        }
    }
}
