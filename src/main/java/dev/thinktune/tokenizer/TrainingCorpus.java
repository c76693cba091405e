package dev.thinktune.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The pre-tokenized word counts a tokenizer is trained on. Plain text files are read as Hugging Face's
 * {@code Tokenizer.train(files)} reads them: each line, with its line ending, is one sequence. In a {@code .jsonl}
 * file every string value of each line's JSON value (nested ones too, in document order) is one sequence. Each
 * sequence is cut with the Llama 3 split regex, as the trained tokenizer will cut text.
 */
public final class TrainingCorpus {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Long> wordCounts = new HashMap<>();
    private final Llama3SplitPattern splitter = new Llama3SplitPattern();
    private long sequences;
    private long chars;

    /** Adds one sequence. */
    public void add(String sequence) {
        sequences++;
        chars += sequence.length();
        splitter.split(sequence, 0, sequence.length(),
                (t, start, end) -> wordCounts.merge(t.substring(start, end), 1L, Long::sum));
    }

    /** Adds a file: JSONL by its {@code .jsonl} name, plain text otherwise. */
    public void addFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training file " + file + ": " + e.getMessage(), e);
        }
        if (file.getFileName().toString().endsWith(".jsonl")) {
            addJsonLines(file, text);
        } else {
            int start = 0;
            while (start < text.length()) {
                int nl = text.indexOf('\n', start);
                int end = nl < 0 ? text.length() : nl + 1;
                add(text.substring(start, end));
                start = end;
            }
        }
    }

    private void addJsonLines(Path file, String text) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not valid JSON: "
                        + e.getOriginalMessage());
            }
            forEachString(node, this::add);
        }
    }

    private static void forEachString(JsonNode node, Consumer<String> action) {
        if (node.isTextual()) {
            action.accept(node.asText());
        } else if (node.isContainerNode()) {
            node.elements().forEachRemaining(child -> forEachString(child, action));
        }
    }

    /** Each distinct piece and how often it occurs. */
    public Map<String, Long> wordCounts() {
        return wordCounts;
    }

    public long sequences() {
        return sequences;
    }

    /** Characters read (UTF-16 units). */
    public long chars() {
        return chars;
    }
}
