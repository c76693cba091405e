package dev.thinktune.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads tokenizers: a Hugging Face {@code tokenizer.json}, Meta's tiktoken {@code tokenizer.model}, or a model
 * directory holding either.
 */
public final class Tokenizers {

    public static final String HUGGING_FACE_FILE = "tokenizer.json";
    public static final String TIKTOKEN_FILE = "tokenizer.model";

    private Tokenizers() {
    }

    /**
     * Loads {@code path}: a directory (its {@code tokenizer.json}, else its {@code tokenizer.model}, else
     * {@code original/tokenizer.model} as Meta's Hugging Face repositories store it), a JSON file (by its
     * {@code .json} name or a leading {@code {}), or else a tiktoken rank file with the Llama 3 special tokens.
     */
    public static Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            for (Path candidate : List.of(path.resolve(HUGGING_FACE_FILE), path.resolve(TIKTOKEN_FILE),
                    path.resolve("original").resolve(TIKTOKEN_FILE))) {
                if (Files.isRegularFile(candidate)) {
                    return load(candidate);
                }
            }
            throw new TokenizerFormatException(path + ": directory has no " + HUGGING_FACE_FILE + " nor "
                    + TIKTOKEN_FILE);
        }
        if (!Files.isRegularFile(path)) {
            throw new UncheckedIOException(new IOException("tokenizer " + path + " does not exist"));
        }
        return looksLikeJson(path) ? loadHuggingFace(path) : loadTiktoken(path);
    }

    /** Loads a Hugging Face {@code tokenizer.json} (and the {@code eos_token} of a config beside it). */
    public static Tokenizer loadHuggingFace(Path tokenizerJson) {
        return HuggingFaceTokenizerReader.read(tokenizerJson);
    }

    /** Reads a {@code tokenizer.json} given as text ({@code source} names it in errors). */
    public static Tokenizer fromHuggingFaceJson(String source, String json) {
        return HuggingFaceTokenizerReader.read(source, json);
    }

    /** Loads Meta's tiktoken {@code tokenizer.model} with the Llama 3 special tokens. */
    public static Tokenizer loadTiktoken(Path tokenizerModel) {
        return loadTiktoken(tokenizerModel, Llama3SpecialTokens.names());
    }

    /** Loads a tiktoken rank file with the given special tokens at ids {@code n_ranks + i}. */
    public static Tokenizer loadTiktoken(Path tokenizerModel, List<String> specialTokens) {
        return TiktokenReader.read(tokenizerModel, specialTokens);
    }

    private static boolean looksLikeJson(Path path) {
        if (path.getFileName().toString().endsWith(".json")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(path)) {
            int b;
            do {
                b = in.read();
            } while (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0xEF || b == 0xBB || b == 0xBF);
            return b == '{';
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + path + ": " + e.getMessage(), e);
        }
    }
}
