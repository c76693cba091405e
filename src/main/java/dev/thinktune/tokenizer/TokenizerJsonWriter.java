package dev.thinktune.tokenizer;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes a trained byte-level BPE as Hugging Face files: {@code tokenizer.json} with Llama 3's structure (the
 * special tokens as added tokens, no normalizer, the Llama 3 split then ByteLevel without regex, BPE with
 * {@code ignore_merges}, a template that puts BOS first, the ByteLevel decoder), and a
 * {@code tokenizer_config.json} naming BOS and EOS and carrying the Llama 3 chat template. In the {@link Family}
 * {@code QWEN2} the split is Qwen2's (one digit a piece), no BOS is added and the chat template is ChatML.
 */
public final class TokenizerJsonWriter {

    /** Which published tokenizers the files follow: their split regex, BOS handling and chat template. */
    public enum Family {
        LLAMA3(SplitPattern.LLAMA3_REGEX, true, Llama3ChatTemplate.JINJA),
        QWEN2(SplitPattern.QWEN2_REGEX, false, ChatMlTemplate.JINJA);

        final String splitRegex;
        final boolean bosFirst;
        final String chatTemplate;

        Family(String splitRegex, boolean bosFirst, String chatTemplate) {
            this.splitRegex = splitRegex;
            this.bosFirst = bosFirst;
            this.chatTemplate = chatTemplate;
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TokenizerJsonWriter() {
    }

    /** The tokenizer.json document for a trained model; the first special token is BOS. */
    public static ObjectNode tokenizerJson(BpeTrainer.Result trained) {
        return tokenizerJson(trained, Family.LLAMA3);
    }

    /** The tokenizer.json document for a trained model in {@code family}'s form. */
    public static ObjectNode tokenizerJson(BpeTrainer.Result trained, Family family) {
        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : trained.specialTokens()) {
            ObjectNode t = added.addObject();
            t.put("id", trained.vocab().get(special));
            t.put("content", special);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", family.splitRegex);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode byteLevel = steps.addObject();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", false);
        if (trained.specialTokens().isEmpty() || !family.bosFirst) {
            root.putNull("post_processor");
        } else {
            root.set("post_processor", bosTemplate(trained.specialTokens().get(0), trained.vocab().get(
                    trained.specialTokens().get(0))));
        }
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", true);
        ObjectNode vocab = model.putObject("vocab");
        trained.vocab().entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> vocab.put(e.getKey(), e.getValue()));
        ArrayNode merges = model.putArray("merges");
        for (String[] m : trained.merges()) {
            merges.addArray().add(m[0]).add(m[1]);
        }
        return root;
    }

    private static ObjectNode bosTemplate(String bos, int bosId) {
        ObjectNode p = NODES.objectNode();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode entry = p.putObject("special_tokens").putObject(bos);
        entry.put("id", bos);
        entry.putArray("ids").add(bosId);
        entry.putArray("tokens").add(bos);
        return p;
    }

    /** The tokenizer_config.json document: BOS, EOS, the special tokens and the Llama 3 chat template. */
    public static ObjectNode tokenizerConfig(BpeTrainer.Result trained, String bos, String eos) {
        return tokenizerConfig(trained, bos, eos, Family.LLAMA3);
    }

    /** The tokenizer_config.json document with {@code family}'s chat template. */
    public static ObjectNode tokenizerConfig(BpeTrainer.Result trained, String bos, String eos, Family family) {
        ObjectNode root = NODES.objectNode();
        ObjectNode decoder = root.putObject("added_tokens_decoder");
        for (String special : trained.specialTokens()) {
            ObjectNode t = decoder.putObject(String.valueOf(trained.vocab().get(special)));
            t.put("content", special);
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        root.put("bos_token", bos);
        root.put("eos_token", eos);
        root.put("chat_template", family.chatTemplate);
        root.put("clean_up_tokenization_spaces", false);
        root.putArray("model_input_names").add("input_ids").add("attention_mask");
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        return root;
    }

    /** Writes both files into {@code dir} (created if needed), each atomically. */
    public static void write(BpeTrainer.Result trained, Path dir, String bos, String eos) {
        write(trained, dir, bos, eos, Family.LLAMA3);
    }

    /** Writes both files in {@code family}'s form into {@code dir} (created if needed), each atomically. */
    public static void write(BpeTrainer.Result trained, Path dir, String bos, String eos, Family family) {
        try {
            Files.createDirectories(dir);
            writeJson(dir.resolve(Tokenizers.HUGGING_FACE_FILE), tokenizerJson(trained, family));
            writeJson(dir.resolve(TokenizerConfig.FILE_NAME), tokenizerConfig(trained, bos, eos, family));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        String json = new ObjectMapper().writer(printer).writeValueAsString(node) + "\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
