package dev.thinktune.tokenizer;

import java.util.function.BiConsumer;

/**
 * How a text is cut before special tokens are looked for. Hugging Face takes the text whole; Meta's Llama 3
 * tokenizer code cuts it into chunks of 400,000 characters and then so that no chunk has more than 25,000
 * consecutive whitespace or consecutive non-whitespace characters (Python's {@code str.isspace}), and encodes
 * each chunk on its own.
 */
sealed interface TextChunking {

    /** Calls {@code chunk} with {@code (start, end)} of each chunk, in order. */
    void chunks(String text, BiConsumer<Integer, Integer> chunk);

    /** The text whole. */
    record Whole() implements TextChunking {
        @Override
        public void chunks(String text, BiConsumer<Integer, Integer> chunk) {
            chunk.accept(0, text.length());
        }
    }

    /**
     * Meta's {@code Tokenizer.encode}: chunks of {@code maxChars} code points, each cut again where a run of
     * whitespace or of non-whitespace would pass {@code maxRun} code points.
     */
    record Meta(int maxChars, int maxRun) implements TextChunking {
        static final Meta LLAMA3 = new Meta(400_000, 25_000);

        @Override
        public void chunks(String text, BiConsumer<Integer, Integer> chunk) {
            int n = text.length();
            if (n <= maxRun) {
                chunk.accept(0, n);
                return;
            }
            int i = 0;
            while (i < n) {
                int end = i;
                for (int k = 0; k < maxChars && end < n; k++) {
                    end += Character.charCount(text.codePointAt(end));
                }
                splitRuns(text, i, end, chunk);
                i = end;
            }
        }

        /** Meta's {@code _split_whitespaces_or_nonwhitespaces}. */
        private void splitRuns(String s, int start, int end, BiConsumer<Integer, Integer> chunk) {
            if (start == end) {
                chunk.accept(start, end);
                return;
            }
            int runLength = 0;
            boolean runIsSpace = UnicodeClasses.isPythonSpace(s.codePointAt(start));
            int sliceStart = start;
            int i = start;
            while (i < end) {
                int cp = s.codePointAt(i);
                boolean space = UnicodeClasses.isPythonSpace(cp);
                if (space != runIsSpace) {
                    runLength = 1;
                    runIsSpace = space;
                } else {
                    runLength++;
                    if (runLength > maxRun) {
                        chunk.accept(sliceStart, i);
                        sliceStart = i;
                        runLength = 1;
                    }
                }
                i += Character.charCount(cp);
            }
            chunk.accept(sliceStart, end);
        }
    }
}
