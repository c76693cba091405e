package dev.thinktune.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Meta's tiktoken rank file: a small one written here (every byte at its own value as rank, then "ab" 256,
 * "cd" 257, "abcd" 258, "bc" 259), with ids worked out by hand from "merge the lowest-ranked adjacent pair,
 * leftmost first; a piece that is a token is emitted whole".
 */
class TiktokenReaderTest {

    private static final int N = 260;
    private static final int BOS = N;
    private static final int EOT = N + 9;
    @TempDir
    static Path dir;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void writeRanks() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            lines.add(base64(new byte[] {(byte) b}) + " " + b);
        }
        lines.add(base64("ab".getBytes(StandardCharsets.US_ASCII)) + " 256");
        lines.add(base64("cd".getBytes(StandardCharsets.US_ASCII)) + " 257");
        lines.add(base64("abcd".getBytes(StandardCharsets.US_ASCII)) + " 258");
        lines.add(base64("bc".getBytes(StandardCharsets.US_ASCII)) + " 259");
        lines.add("");
        Path file = dir.resolve("tokenizer.model");
        Files.write(file, lines, StandardCharsets.UTF_8);
        tokenizer = Tokenizers.load(file);
    }

    private static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static int[] ids(int... ids) {
        return ids;
    }

    @Test
    void specialTokensFollowTheRanksWithLlama3Names() {
        assertEquals(N + 256, tokenizer.vocabSize());
        assertEquals(BOS, tokenizer.tokenId("<|begin_of_text|>").orElseThrow());
        assertEquals(N + 1, tokenizer.tokenId("<|end_of_text|>").orElseThrow());
        assertEquals(N + 6, tokenizer.tokenId("<|start_header_id|>").orElseThrow());
        assertEquals(N + 7, tokenizer.tokenId("<|end_header_id|>").orElseThrow());
        assertEquals(EOT, tokenizer.tokenId("<|eot_id|>").orElseThrow());
        assertEquals(N + 2, tokenizer.tokenId("<|reserved_special_token_0|>").orElseThrow());
        assertEquals(N + 8, tokenizer.tokenId("<|reserved_special_token_4|>").orElseThrow());
        assertEquals(N + 255, tokenizer.tokenId("<|reserved_special_token_250|>").orElseThrow());
        assertEquals(256, tokenizer.specialIds().size());
        assertEquals(BOS, tokenizer.bosId().orElseThrow());
        assertEquals(N + 1, tokenizer.eosId().orElseThrow());
    }

    @Test
    void aPieceThatIsATokenIsEmittedWhole() {
        assertArrayEquals(ids(258), tokenizer.encode("abcd", false));
    }

    @Test
    void lowestRankMergesFirst() {
        // a b c d e: ab(256) < cd(257) < bc(259) -> [ab c d e] -> [ab cd e] -> (ab,cd) = abcd(258) -> [abcd e]
        assertArrayEquals(ids(258, 'e'), tokenizer.encode("abcde", false));
        // b c d: cd(257) before bc(259) -> [b cd]; "bcd" is no token
        assertArrayEquals(ids('b', 257), tokenizer.encode("bcd", false));
        // " abcd" is one Llama 3 piece: [' ' ab c d] -> [' ' ab cd] -> [' ' abcd]
        assertArrayEquals(ids(' ', 258), tokenizer.encode(" abcd", false));
        // "abab": ab at 0 and at 2 have the same rank; the leftmost goes first, then the other
        assertArrayEquals(ids(256, 256), tokenizer.encode("abab", false));
    }

    @Test
    void specialTokensInTextAreEncodedAsSpecials() {
        assertArrayEquals(ids(BOS, 256, EOT, 257), tokenizer.encode("ab<|eot_id|>cd", true));
        assertArrayEquals(ids('<', '|', 'e', 'o', 't'), tokenizer.encode("<|eot", false));
        assertEquals("<|begin_of_text|>ab<|eot_id|>cd", tokenizer.decode(ids(BOS, 256, EOT, 257)));
        assertEquals("abcd", tokenizer.decode(ids(BOS, 256, EOT, 257), true));
    }

    @Test
    void tokenStringsAreByteLevelText() {
        assertEquals("Ġ", tokenizer.token(' '));
        assertEquals("ab", tokenizer.token(256));
        assertEquals(' ', tokenizer.tokenId("Ġ").orElseThrow());
        assertArrayEquals(new byte[] {(byte) 0xE6}, tokenizer.tokenBytes(0xE6));
    }

    @Test
    void longTextsAreChunkedAsMetasCodeDoes() {
        // 24,999 a's then "bcd": Meta cuts runs of non-whitespace every 25,000 characters, so the pieces are
        // "a...ab" (a's and "ab") and "cd" -> ..., ab(256), cd(257). Unchunked the last four bytes would merge
        // to ..., a, abcd(258).
        String text = "a".repeat(24_999) + "bcd";
        int[] ids = tokenizer.encode(text, false);
        assertEquals(24_998 + 2, ids.length);
        assertEquals(256, ids[ids.length - 2]);
        assertEquals(257, ids[ids.length - 1]);
        // at 25,000 or fewer characters nothing is cut
        int[] shorter = tokenizer.encode("a".repeat(24_996) + "bcd", false);
        assertEquals(258, shorter[shorter.length - 1]);
        assertEquals(24_995 + 1, shorter.length);
    }
}
