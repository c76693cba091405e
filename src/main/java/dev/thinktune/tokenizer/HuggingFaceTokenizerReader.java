package dev.thinktune.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads a Hugging Face {@code tokenizer.json} holding a byte-level BPE tokenizer (Llama 3, GPT-2 style). Each
 * component is checked against what is implemented, and anything else is refused with an error naming it:
 * <ul>
 *   <li>{@code normalizer}: null only;</li>
 *   <li>{@code pre_tokenizer}: {@code ByteLevel}, or a {@code Sequence} of {@code Split} (regex or string,
 *       behaviour {@code Isolated}, not inverted) ending with {@code ByteLevel};</li>
 *   <li>{@code model}: {@code BPE} without dropout, subword prefix/suffix or byte fallback; merges as
 *       {@code "a b"} strings or {@code ["a", "b"]} pairs; {@code ignore_merges}; {@code unk_token};</li>
 *   <li>{@code added_tokens}: with {@code special}, {@code single_word}, {@code lstrip}, {@code rstrip},
 *       {@code normalized};</li>
 *   <li>{@code post_processor}: null, {@code TemplateProcessing} (its single-sequence template),
 *       {@code ByteLevel} (offsets only, nothing to do for ids) or a {@code Sequence} of these;</li>
 *   <li>{@code decoder}: {@code ByteLevel}.</li>
 * </ul>
 * {@code truncation} and {@code padding} are ignored: encode never truncates nor pads.
 */
final class HuggingFaceTokenizerReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CACHE_LIMIT = 1 << 17;

    private final String source;

    private HuggingFaceTokenizerReader(String source) {
        this.source = source;
    }

    static ByteLevelBpeTokenizer read(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(path));
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(path + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + path + ": " + e.getMessage(), e);
        }
        Optional<String> configEos = TokenizerConfig.eosToken(path.toAbsolutePath().getParent());
        return new HuggingFaceTokenizerReader(path.toString()).build(root, configEos);
    }

    static ByteLevelBpeTokenizer read(String source, String json) {
        try {
            return new HuggingFaceTokenizerReader(source).build(JSON.readTree(json), Optional.empty());
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(source + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    private ByteLevelBpeTokenizer build(JsonNode root, Optional<String> configEos) {
        if (root == null || !root.isObject()) {
            throw error("the top level is not a JSON object");
        }
        checkNormalizer(root.get("normalizer"));
        PreTokenizer preTokenizer = preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        checkDecoder(root.get("decoder"));

        JsonNode modelNode = root.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw error("model: missing (a BPE model is required)");
        }
        Map<String, Integer> vocab = vocab(modelNode);
        List<AddedToken> added = addedTokens(root.get("added_tokens"), vocab);
        Map<String, Integer> allIds = new HashMap<>(vocab);
        for (AddedToken t : added) {
            allIds.put(t.content(), t.id());
        }
        SpecialTokenTemplate template = postProcessor(root.get("post_processor"), "post_processor", allIds);
        BpeModel model = model(modelNode, vocab);

        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        String[] tokens = new String[size];
        vocab.forEach((token, id) -> tokens[id] = token);
        OptionalInt eos = knownEos(allIds);
        if (configEos.isPresent()) {
            Integer id = allIds.get(configEos.get());
            if (id == null) {
                throw error("eos_token " + quote(configEos.get()) + " of tokenizer_config.json is not a token");
            }
            eos = OptionalInt.of(id);
        }
        return new ByteLevelBpeTokenizer("tokenizer.json " + source, new TextChunking.Whole(), added,
                preTokenizer, model, template, tokens, eos);
    }

    static OptionalInt knownEos(Map<String, Integer> ids) {
        for (String name : List.of("<|end_of_text|>", "<|endoftext|>", "</s>", "<eos>")) {
            Integer id = ids.get(name);
            if (id != null) {
                return OptionalInt.of(id);
            }
        }
        return OptionalInt.empty();
    }

    private void checkNormalizer(JsonNode node) {
        if (node == null || node.isNull()) {
            return;
        }
        String type = type(node, "normalizer");
        if (type.equals("Sequence") && node.path("normalizers").isArray() && node.path("normalizers").isEmpty()) {
            return;
        }
        throw error("normalizer " + quote(type) + " is not supported (only null: byte-level BPE normalizes nothing)");
    }

    private void checkDecoder(JsonNode node) {
        if (node == null || node.isNull()) {
            throw error("decoder: missing (the ByteLevel decoder is required)");
        }
        String type = type(node, "decoder");
        if (!type.equals("ByteLevel")) {
            throw error("decoder " + quote(type) + " is not supported (only ByteLevel)");
        }
    }

    private PreTokenizer preTokenizer(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw error(field + ": missing (a ByteLevel pre-tokenizer is required)");
        }
        PreTokenizer p = preTokenizerStep(node, field);
        List<PreTokenizer> steps = p instanceof PreTokenizer.Sequence s ? s.steps() : List.of(p);
        for (int i = 0; i < steps.size(); i++) {
            boolean byteLevel = steps.get(i) instanceof PreTokenizer.ByteLevel;
            if (byteLevel != (i == steps.size() - 1)) {
                throw error(field + ": ByteLevel must be the last step, and only there (found steps "
                        + steps.stream().map(s -> s.getClass().getSimpleName()).toList() + ")");
            }
        }
        return steps.size() == 1 ? steps.get(0) : new PreTokenizer.Sequence(steps);
    }

    private PreTokenizer preTokenizerStep(JsonNode node, String field) {
        String type = type(node, field);
        switch (type) {
            case "Sequence" -> {
                JsonNode list = node.get("pretokenizers");
                if (list == null || !list.isArray()) {
                    throw error(field + ".pretokenizers: missing or not an array");
                }
                List<PreTokenizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    PreTokenizer step = preTokenizerStep(list.get(i), field + ".pretokenizers[" + i + "]");
                    if (step instanceof PreTokenizer.Sequence s) {
                        steps.addAll(s.steps());
                    } else {
                        steps.add(step);
                    }
                }
                return new PreTokenizer.Sequence(steps);
            }
            case "Split" -> {
                String behavior = node.path("behavior").asText("");
                if (!behavior.equals("Isolated")) {
                    throw error(field + ": Split behavior " + quote(behavior) + " is not supported (only Isolated)");
                }
                if (node.path("invert").asBoolean(false)) {
                    throw error(field + ": Split with invert true is not supported");
                }
                JsonNode pattern = node.get("pattern");
                if (pattern != null && pattern.hasNonNull("Regex")) {
                    try {
                        return new PreTokenizer.Split(SplitPattern.of(pattern.get("Regex").asText()));
                    } catch (TokenizerFormatException e) {
                        throw error(field + ".pattern: " + e.getMessage());
                    }
                }
                if (pattern != null && pattern.hasNonNull("String")) {
                    return new PreTokenizer.Split(RegexSplitPattern.literal(pattern.get("String").asText()));
                }
                throw error(field + ".pattern: missing (needs \"Regex\" or \"String\")");
            }
            case "ByteLevel" -> {
                return new PreTokenizer.ByteLevel(node.path("add_prefix_space").asBoolean(true),
                        node.path("use_regex").asBoolean(true));
            }
            default -> throw error(field + " " + quote(type) + " is not supported (only Sequence, Split, ByteLevel)");
        }
    }

    private Map<String, Integer> vocab(JsonNode model) {
        String type = model.has("type") ? type(model, "model") : (model.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) {
            throw error("model " + quote(type) + " is not supported (only BPE)");
        }
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw error("model.vocab: missing or not an object");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        Map<Integer, String> byId = new HashMap<>(vocabNode.size() * 2);
        Iterator<Map.Entry<String, JsonNode>> fields = vocabNode.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw error("model.vocab[" + quote(e.getKey()) + "]: id " + e.getValue() + " is not a non-negative int");
            }
            int id = e.getValue().asInt();
            String previous = byId.put(id, e.getKey());
            if (previous != null) {
                throw error("model.vocab: id " + id + " is given to both " + quote(previous) + " and "
                        + quote(e.getKey()));
            }
            vocab.put(e.getKey(), id);
        }
        return vocab;
    }

    private BpeModel model(JsonNode model, Map<String, Integer> vocab) {
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw error("model.dropout " + dropout + " is not supported (encoding must be deterministic)");
        }
        for (String field : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            JsonNode v = model.get(field);
            if (v != null && !v.isNull() && !v.asText().isEmpty()) {
                throw error("model." + field + " " + quote(v.asText()) + " is not supported");
            }
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw error("model.byte_fallback true is not supported (byte-level BPE needs no byte fallback)");
        }
        int unknownId = -1;
        JsonNode unk = model.get("unk_token");
        if (unk != null && !unk.isNull()) {
            Integer id = vocab.get(unk.asText());
            if (id == null) {
                throw error("model.unk_token " + quote(unk.asText()) + " is not in model.vocab");
            }
            unknownId = id;
        }
        int[] byteToId = new int[256];
        for (int b = 0; b < 256; b++) {
            byteToId[b] = vocab.getOrDefault(String.valueOf(ByteLevelAlphabet.charOf(b)), -1);
        }
        MergeTable merges = merges(model.get("merges"), vocab);
        Map<String, Integer> wholePieces = null;
        if (model.path("ignore_merges").asBoolean(false)) {
            wholePieces = new HashMap<>(vocab.size() * 2);
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                if (ByteLevelAlphabet.isByteLevel(e.getKey())) {
                    wholePieces.put(new String(ByteLevelAlphabet.decode(e.getKey()), StandardCharsets.ISO_8859_1),
                            e.getValue());
                }
            }
        }
        return new BpeModel(byteToId, merges, wholePieces, unknownId, model.path("fuse_unk").asBoolean(false),
                CACHE_LIMIT);
    }

    private MergeTable merges(JsonNode node, Map<String, Integer> vocab) {
        if (node == null || !node.isArray()) {
            throw error("model.merges: missing or not an array");
        }
        MergeTable table = new MergeTable(node.size());
        int rank = 0;
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String left;
            String right;
            if (m.isTextual()) {
                if (m.asText().startsWith("#version")) {
                    continue;
                }
                String[] parts = m.asText().split(" ", -1);
                if (parts.length != 2) {
                    throw error("model.merges[" + i + "] " + quote(m.asText())
                            + " is not two tokens separated by one space");
                }
                left = parts[0];
                right = parts[1];
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw error("model.merges[" + i + "] " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
            Integer l = vocab.get(left);
            Integer r = vocab.get(right);
            Integer merged = vocab.get(left + right);
            String missing = l == null ? left : r == null ? right : merged == null ? left + right : null;
            if (missing != null) {
                throw error("model.merges[" + i + "] " + quote(left + " " + right) + ": token " + quote(missing)
                        + " is not in model.vocab");
            }
            table.put(l, r, rank++, merged);
        }
        return table;
    }

    /**
     * The added tokens. Hugging Face does not take their ids from the file: it gives a token the id it already has
     * in the model's vocabulary, else the next free id after the model (and warns when that differs from the
     * file). A file whose ids differ from that assignment is refused rather than read two ways.
     */
    private List<AddedToken> addedTokens(JsonNode node, Map<String, Integer> vocab) {
        List<AddedToken> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw error("added_tokens: not an array");
        }
        Map<String, Integer> assigned = new HashMap<>();
        int maxAssigned = -1;
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            String field = "added_tokens[" + i + "]";
            if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0) {
                throw error(field + ".id: missing or not a non-negative int");
            }
            if (!t.path("content").isTextual() || t.path("content").asText().isEmpty()) {
                throw error(field + ".content: missing or empty");
            }
            String content = t.get("content").asText();
            if (assigned.containsKey(content)) {
                throw error(field + ": token " + quote(content) + " is listed twice");
            }
            int id;
            if (vocab.containsKey(content)) {
                id = vocab.get(content);
            } else if (maxAssigned < 0) {
                id = vocab.size();
            } else {
                id = maxAssigned >= vocab.size() || vocab.isEmpty() ? maxAssigned + 1 : vocab.size();
            }
            if (id != t.get("id").asInt()) {
                throw error(field + ": token " + quote(content) + " has id " + t.get("id").asInt()
                        + " but Hugging Face gives it id " + id
                        + (vocab.containsKey(content) ? " (its id in model.vocab)" : " (the next id after the model)"));
            }
            assigned.put(content, id);
            maxAssigned = Math.max(maxAssigned, id);
            boolean special = t.path("special").asBoolean(false);
            out.add(new AddedToken(id, content, special, t.path("single_word").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                    t.path("normalized").asBoolean(true)));
        }
        return out;
    }

    private SpecialTokenTemplate postProcessor(JsonNode node, String field, Map<String, Integer> ids) {
        if (node == null || node.isNull()) {
            return SpecialTokenTemplate.NONE;
        }
        String type = type(node, field);
        switch (type) {
            case "ByteLevel" -> {
                return SpecialTokenTemplate.NONE;
            }
            case "Sequence" -> {
                JsonNode list = node.get("processors");
                if (list == null || !list.isArray()) {
                    throw error(field + ".processors: missing or not an array");
                }
                SpecialTokenTemplate result = SpecialTokenTemplate.NONE;
                for (int i = 0; i < list.size(); i++) {
                    SpecialTokenTemplate t = postProcessor(list.get(i), field + ".processors[" + i + "]", ids);
                    if (t != SpecialTokenTemplate.NONE) {
                        if (result != SpecialTokenTemplate.NONE) {
                            throw error(field + ": more than one TemplateProcessing is not supported");
                        }
                        result = t;
                    }
                }
                return result;
            }
            case "TemplateProcessing" -> {
                return template(node, field);
            }
            default -> throw error(field + " " + quote(type)
                    + " is not supported (only TemplateProcessing, ByteLevel, Sequence or null)");
        }
    }

    private SpecialTokenTemplate template(JsonNode node, String field) {
        JsonNode single = node.get("single");
        if (single == null || !single.isArray()) {
            throw error(field + ".single: missing or not an array");
        }
        JsonNode specials = node.path("special_tokens");
        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        boolean seenSequence = false;
        for (int i = 0; i < single.size(); i++) {
            JsonNode piece = single.get(i);
            if (piece.has("Sequence")) {
                String id = piece.get("Sequence").path("id").asText();
                if (!id.equals("A") || seenSequence) {
                    throw error(field + ".single[" + i + "]: sequence " + quote(id)
                            + " (a single-sequence template has $A once)");
                }
                seenSequence = true;
            } else if (piece.has("SpecialToken")) {
                String name = piece.get("SpecialToken").path("id").asText();
                JsonNode entry = specials.get(name);
                if (entry == null || !entry.path("ids").isArray()) {
                    throw error(field + ".single[" + i + "]: special token " + quote(name)
                            + " is not in " + field + ".special_tokens");
                }
                for (JsonNode id : entry.get("ids")) {
                    (seenSequence ? suffix : prefix).add(id.asInt());
                }
            } else {
                throw error(field + ".single[" + i + "]: " + piece + " is neither Sequence nor SpecialToken");
            }
        }
        if (!seenSequence) {
            throw error(field + ".single: has no $A sequence");
        }
        return new SpecialTokenTemplate(prefix.stream().mapToInt(Integer::intValue).toArray(),
                suffix.stream().mapToInt(Integer::intValue).toArray());
    }

    private String type(JsonNode node, String field) {
        if (!node.isObject()) {
            throw error(field + ": " + node + " is not an object");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw error(field + ".type: missing");
        }
        return type.asText();
    }

    private TokenizerFormatException error(String message) {
        return new TokenizerFormatException(source + ": " + message);
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }
}
