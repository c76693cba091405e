package dev.thinktune.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.thinktune.tokenizer.BpeTrainer;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Llama3SpecialTokens;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.TokenizerJsonWriter;
import dev.thinktune.tokenizer.Tokenizers;
import dev.thinktune.tokenizer.TrainingCorpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code thinktune tokenizer}: encode and decode with a model's tokenizer, inspect it, train a new one. Text and
 * ids go through standard input and output as UTF-8, one input per line, or as one JSON array with {@code --json}
 * (so that texts may hold newlines).
 */
@Command(name = "tokenizer",
        mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Encode, decode, inspect or train byte-level BPE tokenizers (tokenizer.json or tokenizer.model).",
        subcommands = {
                TokenizerCommand.Encode.class,
                TokenizerCommand.Decode.class,
                TokenizerCommand.Info.class,
                TokenizerCommand.Train.class,
        })
public final class TokenizerCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "encode", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Encode standard input into token ids.",
                    "Each line gives a line of space-separated ids; with --json, a JSON array of strings gives a "
                            + "JSON array of id lists."})
    static final class Encode implements Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
                description = "tokenizer.json, tokenizer.model, or a model directory holding one")
        Path tokenizer;

        @Option(names = "--no-special", description = "do not add BOS (the post-processor's tokens)")
        boolean noSpecial;

        @Option(names = "--json", description = "read a JSON array of strings, write a JSON array of id arrays")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Tokenizer t = Tokenizers.load(tokenizer);
            String input = readStdin();
            PrintWriter out = stdout();
            if (json) {
                ArrayNode result = JSON.createArrayNode();
                for (String text : jsonStrings(input)) {
                    ArrayNode ids = result.addArray();
                    for (int id : t.encode(text, !noSpecial)) {
                        ids.add(id);
                    }
                }
                out.println(JSON.writeValueAsString(result));
            } else {
                for (String line : lines(input)) {
                    out.println(joinIds(t.encode(line, !noSpecial)));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Decode token ids from standard input into text.",
                    "Each line of ids (separated by spaces or commas) gives a line of text; with --json, a JSON "
                            + "array of id arrays gives a JSON array of strings."})
    static final class Decode implements Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
                description = "tokenizer.json, tokenizer.model, or a model directory holding one")
        Path tokenizer;

        @Option(names = "--skip-special", description = "leave out special tokens such as BOS and <|eot_id|>")
        boolean skipSpecial;

        @Option(names = "--json", description = "read a JSON array of id arrays, write a JSON array of strings")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Tokenizer t = Tokenizers.load(tokenizer);
            String input = readStdin();
            PrintWriter out = stdout();
            if (json) {
                ArrayNode result = JSON.createArrayNode();
                for (int[] ids : jsonIdLists(input)) {
                    result.add(t.decode(ids, skipSpecial));
                }
                out.println(JSON.writeValueAsString(result));
            } else {
                List<String> lines = lines(input);
                for (int i = 0; i < lines.size(); i++) {
                    out.println(t.decode(parseIds(lines.get(i), i + 1), skipSpecial));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Print a tokenizer's vocabulary size, special tokens and chat template.")
    static final class Info implements Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
                description = "tokenizer.json, tokenizer.model, or a model directory holding one")
        Path tokenizer;

        @Override
        public Integer call() {
            Tokenizer t = Tokenizers.load(tokenizer);
            PrintWriter out = stdout();
            out.println("tokenizer: " + t);
            out.println("vocab size: " + t.vocabSize());
            out.println("special tokens: " + t.specialIds().size());
            out.println("bos: " + describe(t, t.bosId()));
            out.println("eos: " + describe(t, t.eosId()));
            ChatTemplate template = ChatTemplate.forTokenizer(t);
            out.println("chat template: " + template);
            out.println("stop ids: " + template.stopIds());
            out.flush();
            return 0;
        }

        private static String describe(Tokenizer t, java.util.OptionalInt id) {
            return id.isPresent() ? id.getAsInt() + " " + t.token(id.getAsInt()) : "none";
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Train a byte-level BPE tokenizer with the Llama 3 pre-tokenizer and write tokenizer.json "
                    + "and tokenizer_config.json.",
                    "Text files give one sequence per line; .jsonl files one per string value."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--input", required = true, arity = "1..*", paramLabel = "FILE",
                description = "training text: plain text or .jsonl")
        List<Path> inputs;

        @Option(names = "--vocab", required = true, paramLabel = "N",
                description = "vocabulary size, the 5 special tokens and 256 byte tokens included")
        int vocab;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "directory to write into")
        Path out;

        @Option(names = "--min-frequency", defaultValue = "0", paramLabel = "N",
                description = "lowest count a pair needs to be merged (default: ${DEFAULT-VALUE})")
        long minFrequency;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<String> specials = List.of(Llama3SpecialTokens.BEGIN_OF_TEXT, Llama3SpecialTokens.END_OF_TEXT,
                    Llama3SpecialTokens.START_HEADER, Llama3SpecialTokens.END_HEADER, Llama3SpecialTokens.EOT);
            BpeTrainer.Options options;
            try {
                options = new BpeTrainer.Options(vocab, minFrequency, specials);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--vocab/--min-frequency: " + e.getMessage());
            }
            long start = System.nanoTime();
            TrainingCorpus corpus = new TrainingCorpus();
            for (Path input : inputs) {
                corpus.addFile(input);
            }
            BpeTrainer.Result trained = new BpeTrainer(options).train(corpus.wordCounts());
            TokenizerJsonWriter.write(trained, out, Llama3SpecialTokens.BEGIN_OF_TEXT, Llama3SpecialTokens.END_OF_TEXT);
            double seconds = (System.nanoTime() - start) / 1e9;
            PrintWriter stdout = stdout();
            stdout.printf(Locale.ROOT, "trained %d tokens (%d merges) on %d sequences, %d distinct words, in %.2f s;"
                            + " wrote %s%n", trained.vocab().size(), trained.merges().size(), corpus.sequences(),
                    corpus.wordCounts().size(), seconds, out.resolve(Tokenizers.HUGGING_FACE_FILE));
            if (trained.vocab().size() < vocab) {
                stdout.printf(Locale.ROOT, "note: the corpus ran out of pairs to merge before %d tokens%n", vocab);
            }
            stdout.flush();
            return 0;
        }
    }

    // ---- input and output helpers ----

    static PrintWriter stdout() {
        return new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
    }

    static String readStdin() {
        try {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
        }
    }

    /** Lines without their terminators ({@code \n} or {@code \r\n}); no final empty line after a last newline. */
    static List<String> lines(String input) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < input.length()) {
            int nl = input.indexOf('\n', start);
            int end = nl < 0 ? input.length() : nl;
            int cut = end > start && input.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(input.substring(start, cut));
            start = nl < 0 ? input.length() : nl + 1;
        }
        return lines;
    }

    static String joinIds(int[] ids) {
        StringBuilder b = new StringBuilder(ids.length * 5);
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b.append(' ');
            }
            b.append(ids[i]);
        }
        return b.toString();
    }

    /** Ids separated by spaces and/or commas, optionally in brackets. */
    static int[] parseIds(String line, int lineNumber) {
        String s = line.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        List<Integer> ids = new ArrayList<>();
        for (String part : s.split("[\\s,]+")) {
            if (part.isEmpty()) {
                continue;
            }
            try {
                ids.add(Integer.parseInt(part));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("standard input line " + lineNumber + ": " + quote(part)
                        + " is not a token id");
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<String> jsonStrings(String input) throws JsonProcessingException {
        JsonNode node = readJson(input);
        List<String> texts = new ArrayList<>();
        if (node.isTextual()) {
            texts.add(node.asText());
            return texts;
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("--json input must be a JSON array of strings, got " + node.getNodeType());
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw new IllegalArgumentException("--json input element " + i + " is not a string: "
                        + abbreviate(node.get(i).toString()));
            }
            texts.add(node.get(i).asText());
        }
        return texts;
    }

    static List<int[]> jsonIdLists(String input) throws JsonProcessingException {
        JsonNode node = readJson(input);
        if (!node.isArray()) {
            throw new IllegalArgumentException("--json input must be a JSON array of id arrays, got " + node.getNodeType());
        }
        List<int[]> lists = new ArrayList<>();
        if (node.isEmpty() || node.get(0).isArray()) {
            for (int i = 0; i < node.size(); i++) {
                lists.add(idArray(node.get(i), "element " + i));
            }
        } else {
            lists.add(idArray(node, "the array"));
        }
        return lists;
    }

    private static int[] idArray(JsonNode node, String where) {
        if (!node.isArray()) {
            throw new IllegalArgumentException("--json input " + where + " is not an array of ids: "
                    + abbreviate(node.toString()));
        }
        int[] ids = new int[node.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!node.get(i).canConvertToInt()) {
                throw new IllegalArgumentException("--json input " + where + "[" + i + "] is not a token id: "
                        + abbreviate(node.get(i).toString()));
            }
            ids[i] = node.get(i).asInt();
        }
        return ids;
    }

    private static JsonNode readJson(String input) throws JsonProcessingException {
        try {
            JsonNode node = JSON.readTree(input);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("--json input is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--json input is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }
}
