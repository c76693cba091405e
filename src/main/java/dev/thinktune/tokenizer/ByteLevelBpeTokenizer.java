package dev.thinktune.tokenizer;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * A byte-level BPE tokenizer: added (special) tokens are taken out of the raw text, the text between them is
 * cut by the pre-tokenizer, each piece's UTF-8 bytes are merged by the BPE model, and the template adds BOS.
 * Decoding concatenates the tokens' bytes and decodes them as lossy UTF-8. Both Hugging Face's
 * {@code tokenizer.json} and Meta's tiktoken {@code tokenizer.model} are read into this one class.
 */
final class ByteLevelBpeTokenizer implements Tokenizer {

    private final String description;
    private final TextChunking chunking;
    private final AddedTokenMatcher addedTokens;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final SpecialTokenTemplate template;
    private final String[] tokens;
    private final byte[][] tokenBytes;
    private final Map<String, Integer> ids;
    private final boolean[] special;
    private final Set<Integer> specialIds;
    private final OptionalInt bosId;
    private final OptionalInt eosId;

    /**
     * @param description what was loaded, for messages ("tokenizer.json at ...")
     * @param tokens      the string form of each id (null where an id has no token)
     * @param addedTokens the tokens matched in raw text (their content overrides {@code tokens})
     * @param eosId       the end-of-sequence token, if known
     */
    ByteLevelBpeTokenizer(String description, TextChunking chunking, List<AddedToken> addedTokens,
                          PreTokenizer preTokenizer, BpeModel model, SpecialTokenTemplate template,
                          String[] tokens, OptionalInt eosId) {
        this.description = description;
        this.chunking = chunking;
        this.addedTokens = new AddedTokenMatcher(addedTokens);
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.template = template;
        int size = tokens.length;
        for (AddedToken t : addedTokens) {
            size = Math.max(size, t.id() + 1);
        }
        this.tokens = Arrays.copyOf(tokens, size);
        this.special = new boolean[size];
        Set<Integer> specials = new TreeSet<>();
        for (AddedToken t : addedTokens) {
            this.tokens[t.id()] = t.content();
            if (t.special()) {
                special[t.id()] = true;
                specials.add(t.id());
            }
        }
        this.specialIds = Collections.unmodifiableSet(specials);
        this.tokenBytes = new byte[size][];
        this.ids = new HashMap<>(size * 2);
        for (int id = 0; id < size; id++) {
            if (this.tokens[id] != null) {
                tokenBytes[id] = ByteLevelAlphabet.decode(this.tokens[id]);
                ids.putIfAbsent(this.tokens[id], id);
            }
        }
        for (AddedToken t : addedTokens) {
            ids.put(t.content(), t.id());
        }
        this.bosId = template.prefix().length > 0 ? OptionalInt.of(template.prefix()[0]) : OptionalInt.empty();
        this.eosId = eosId;
    }

    @Override
    public int[] encode(String text, boolean addSpecial) {
        IntArrayBuilder out = new IntArrayBuilder(text.length() / 3 + 4);
        PieceCache cache = model.cache();
        PieceSink toModel = (t, start, end) -> model.encode(t, start, end, out, cache);
        AddedTokenMatcher.Visitor visitor = new AddedTokenMatcher.Visitor() {
            @Override
            public void text(String t, int start, int end) {
                preTokenizer.pretokenize(t, start, end, toModel);
            }

            @Override
            public void token(AddedToken token) {
                out.add(token.id());
            }
        };
        chunking.chunks(text, (start, end) -> addedTokens.split(text, start, end, visitor));
        if (!addSpecial) {
            return out.toArray();
        }
        return template.apply(out.toArray(), out.size());
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        int length = 0;
        for (int id : ids) {
            byte[] b = bytesOrNull(id, skipSpecial);
            if (b != null) {
                length += b.length;
            }
        }
        byte[] all = new byte[length];
        int n = 0;
        for (int id : ids) {
            byte[] b = bytesOrNull(id, skipSpecial);
            if (b != null) {
                System.arraycopy(b, 0, all, n, b.length);
                n += b.length;
            }
        }
        return Utf8.decode(all);
    }

    /** The bytes of a token, or null for an id without a token (Hugging Face drops those) or a skipped special. */
    private byte[] bytesOrNull(int id, boolean skipSpecial) {
        if (id < 0 || id >= tokenBytes.length || (skipSpecial && special[id])) {
            return null;
        }
        return tokenBytes[id];
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + description
                    + " (size " + tokens.length + ")");
        }
        return tokens[id];
    }

    @Override
    public byte[] tokenBytes(int id) {
        token(id);
        return tokenBytes[id].clone();
    }

    @Override
    public Set<Integer> specialIds() {
        return specialIds;
    }

    @Override
    public OptionalInt bosId() {
        return bosId;
    }

    @Override
    public OptionalInt eosId() {
        return eosId;
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return streamingDecoder(false);
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new Utf8StreamingDecoder(id -> bytesOrNull(id, skipSpecial));
    }

    /** The BPE model (for tests of its merge loops). */
    BpeModel model() {
        return model;
    }

    @Override
    public String toString() {
        return description + " (" + tokens.length + " ids, " + specialIds.size() + " special)";
    }
}
