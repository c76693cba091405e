package dev.thinktune.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * A small, valid tokenizer.json built in the test, with Llama 3's structure: the given special tokens at
 * 0..k-1, the 256 byte-level characters in byte order, then the given merges (each merge's result a new token).
 */
final class TinyTokenizerJson {

    static final ObjectMapper JSON = new ObjectMapper();

    private TinyTokenizerJson() {
    }

    /** @param merges merges as byte-level text pairs, e.g. {@code {"a", "b"}} */
    static ObjectNode build(List<String> specials, List<String[]> merges, boolean bosTemplate) {
        return build(specials, merges, bosTemplate, SplitPattern.LLAMA3_REGEX);
    }

    /** As {@link #build(List, List, boolean)}, with {@code splitRegex} as the Split pre-tokenizer's pattern. */
    static ObjectNode build(List<String> specials, List<String[]> merges, boolean bosTemplate, String splitRegex) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < specials.size(); i++) {
            added.addObject().put("id", i).put("content", specials.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                .putObject("pattern").put("Regex", splitRegex);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        if (bosTemplate && !specials.isEmpty()) {
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", specials.get(0)).put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            ObjectNode entry = post.putObject("special_tokens").putObject(specials.get(0));
            entry.put("id", specials.get(0));
            entry.putArray("ids").add(0);
            entry.putArray("tokens").add(specials.get(0));
        } else {
            root.putNull("post_processor");
        }
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("ignore_merges", true);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (String s : specials) {
            vocab.put(s, id++);
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), id++);
        }
        ArrayNode mergeArray = model.putArray("merges");
        for (String[] m : merges) {
            if (!vocab.has(m[0] + m[1])) {
                vocab.put(m[0] + m[1], id++);
            }
            mergeArray.addArray().add(m[0]).add(m[1]);
        }
        return root;
    }

    static Tokenizer tokenizer(List<String> specials, List<String[]> merges, boolean bosTemplate) {
        return Tokenizers.fromHuggingFaceJson("tiny tokenizer.json", build(specials, merges, bosTemplate).toString());
    }
}
