package dev.thinktune.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reads Meta's tiktoken {@code tokenizer.model}: one {@code base64(token bytes) rank} per line, ranks 0..n-1,
 * every single byte ranked. Encoding follows Meta's Llama 3 {@code Tokenizer}: the Llama 3 split regex, the
 * special tokens at ids {@code n + i} (n = number of ranks, so 128000.. for the real file), BPE merging by the
 * rank of the merged bytes, a piece that is itself a token emitted whole, and Meta's chunking of long texts.
 * Special-token text in the input is encoded as the special token, as Hugging Face's {@code tokenizer.json}
 * for the same model does (tiktoken's {@code allowed_special="all"}).
 */
final class TiktokenReader {

    private static final int CACHE_LIMIT = 1 << 17;

    private TiktokenReader() {
    }

    static ByteLevelBpeTokenizer read(Path path, List<String> specialNames) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer " + path + ": " + e.getMessage(), e);
        }
        return build(path.toString(), lines, specialNames);
    }

    static ByteLevelBpeTokenizer build(String source, List<String> lines, List<String> specialNames) {
        List<byte[]> byRank = new ArrayList<>();
        List<Integer> lineOfRank = new ArrayList<>();
        Map<String, Integer> rankOfBytes = new HashMap<>(lines.size() * 2);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = source + " line " + (i + 1);
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new TokenizerFormatException(where + ": expected \"<base64 token> <rank>\", found "
                        + quote(abbreviate(line)));
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(parts[0]);
            } catch (IllegalArgumentException e) {
                throw new TokenizerFormatException(where + ": invalid base64 " + quote(abbreviate(parts[0])) + " ("
                        + e.getMessage() + ")");
            }
            if (bytes.length == 0) {
                throw new TokenizerFormatException(where + ": empty token");
            }
            int rank;
            try {
                rank = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new TokenizerFormatException(where + ": rank " + quote(abbreviate(parts[1])) + " is not an integer");
            }
            if (rank < 0) {
                throw new TokenizerFormatException(where + ": negative rank " + rank);
            }
            while (byRank.size() <= rank) {
                byRank.add(null);
                lineOfRank.add(0);
            }
            if (byRank.get(rank) != null) {
                throw new TokenizerFormatException(where + ": duplicate rank " + rank + " (already given on line "
                        + lineOfRank.get(rank) + ")");
            }
            String key = new String(bytes, StandardCharsets.ISO_8859_1);
            Integer previous = rankOfBytes.put(key, rank);
            if (previous != null) {
                throw new TokenizerFormatException(where + ": duplicate token " + quote(parts[0])
                        + " (already ranked " + previous + " on line " + lineOfRank.get(previous) + ")");
            }
            byRank.set(rank, bytes);
            lineOfRank.set(rank, i + 1);
        }
        int n = byRank.size();
        for (int rank = 0; rank < n; rank++) {
            if (byRank.get(rank) == null) {
                throw new TokenizerFormatException(source + ": ranks must be 0.." + (n - 1) + " without gaps; rank "
                        + rank + " is missing");
            }
        }
        int[] byteToId = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer rank = rankOfBytes.get(String.valueOf((char) b));
            if (rank == null) {
                throw new TokenizerFormatException(source + ": byte 0x" + String.format("%02X", b)
                        + " has no rank (every single byte must be a token)");
            }
            byteToId[b] = rank;
        }
        MergeTable merges = new MergeTable(n * 4);
        for (int rank = 0; rank < n; rank++) {
            byte[] bytes = byRank.get(rank);
            String s = new String(bytes, StandardCharsets.ISO_8859_1);
            for (int k = 1; k < bytes.length; k++) {
                Integer left = rankOfBytes.get(s.substring(0, k));
                Integer right = rankOfBytes.get(s.substring(k));
                if (left != null && right != null) {
                    merges.put(left, right, rank, rank);
                }
            }
        }
        String[] tokens = new String[n];
        for (int rank = 0; rank < n; rank++) {
            tokens[rank] = ByteLevelAlphabet.encode(byRank.get(rank));
        }
        List<AddedToken> specials = new ArrayList<>();
        Map<String, Integer> specialIds = new HashMap<>();
        for (int i = 0; i < specialNames.size(); i++) {
            specials.add(AddedToken.special(n + i, specialNames.get(i)));
            specialIds.put(specialNames.get(i), n + i);
        }
        BpeModel model = new BpeModel(byteToId, merges, rankOfBytes, -1, false, CACHE_LIMIT);
        Integer bos = specialIds.get(Llama3SpecialTokens.BEGIN_OF_TEXT);
        SpecialTokenTemplate template = bos == null ? SpecialTokenTemplate.NONE : SpecialTokenTemplate.bos(bos);
        OptionalInt eos = HuggingFaceTokenizerReader.knownEos(specialIds);
        return new ByteLevelBpeTokenizer("tokenizer.model " + source, TextChunking.Meta.LLAMA3, specials,
                new PreTokenizer.Split(new Llama3SplitPattern()), model, template, tokens, eos);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }
}
