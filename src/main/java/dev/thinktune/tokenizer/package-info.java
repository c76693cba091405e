/**
 * Tokenizers in plain Java: text to the exact token ids the reference implementations give, and back.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * Tokenizer tok = Tokenizers.load(Path.of("models/Llama-3.2-1B"));   // tokenizer.json, tokenizer.model or a dir
 * int[] ids = tok.encode("How many apples?", true);                  // BOS first
 * String text = tok.decode(ids, true);                                // without special tokens
 * Tokenizer.StreamingDecoder out = tok.streamingDecoder(true);        // for generated ids, one at a time
 * ChatTemplate chat = ChatTemplate.forTokenizer(tok);                 // ChatML, Llama 3 or plain Question/Answer
 * int[] prompt = chat.encode(List.of(ChatMessage.system("..."), ChatMessage.user("...")), true);
 * Set<Integer> stop = chat.stopIds();
 * }</pre>
 * Tokenizers are immutable and thread-safe (each thread keeps its own cache of encoded words).
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li>Hugging Face {@code tokenizer.json} with byte-level BPE, as Llama 3, Qwen2 and GPT-2 style models ship it
 *       (see {@link dev.thinktune.tokenizer.HuggingFaceTokenizerReader} for the components read; anything else
 *       is refused with an error naming it). Checked against tokenizers 0.23.2.</li>
 *   <li>Meta's tiktoken {@code tokenizer.model}, with the Llama 3 split regex and the 256 Llama 3 special tokens
 *       at {@code n_ranks + i} (Llama 3.0 names; 3.1 renamed a few reserved ones, and its {@code tokenizer.json}
 *       carries the new names). Special-token text in the input becomes the special token, as in
 *       {@code tokenizer.json}. Checked against tiktoken 0.14.</li>
 * </ul>
 *
 * <h2>Exactness</h2>
 * <ul>
 *   <li>The split regexes run as hand-written scanners that follow the regex alternatives; they are tested
 *       against {@code java.util.regex} with Unicode classes on random text and against the reference encoders.
 *       {@code \s} is Unicode White_Space (not Java's default), {@code \p{L}}/{@code \p{N}} are general categories,
 *       contractions are Unicode case-insensitive. Character classes come from the JVM's Unicode tables (13.0 in
 *       Java 17): a character assigned in a later Unicode version may be classed differently than in the
 *       reference.</li>
 *   <li>Java strings can hold lone surrogates, which the references cannot receive; they are encoded as
 *       U+FFFD.</li>
 *   <li>Decoding replaces ill-formed UTF-8 with one U+FFFD per maximal subpart, as Rust's
 *       {@code from_utf8_lossy} and Python do; ids outside the vocabulary are dropped, as Hugging Face does.</li>
 *   <li>The Llama 3 chat template is the Llama 3.0 Instruct one (no "Cutting Knowledge Date" system header, no
 *       tool calls, which Llama 3.1+ templates add).</li>
 * </ul>
 *
 * <h2>Training</h2>
 * {@link dev.thinktune.tokenizer.BpeTrainer} learns the same vocabulary and merges as Hugging Face's
 * {@code BpeTrainer} with the Llama 3 pre-tokenizer and the byte-level alphabet;
 * {@link dev.thinktune.tokenizer.TokenizerJsonWriter} writes them as a Llama 3 style {@code tokenizer.json} (and a
 * {@code tokenizer_config.json}) that this package and Hugging Face both load.
 */
package dev.thinktune.tokenizer;
