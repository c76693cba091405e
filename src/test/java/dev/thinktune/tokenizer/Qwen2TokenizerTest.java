package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Qwen2-style tokenizer.json (byte-level BPE behind Qwen2's split regex, ChatML special tokens, no BOS) built
 * in the test: digits reach BPE one at a time, text round-trips, and conversations render as ChatML.
 */
class Qwen2TokenizerTest {
    private static final List<String> SPECIALS = List.of(ChatMlTemplate.END_OF_TEXT, ChatMlTemplate.IM_START,
            ChatMlTemplate.IM_END);
    /** Merges that would join digits ("12", "123") and a few words, so a split that let them through would show. */
    private static final List<String[]> MERGES = List.of(new String[]{"1", "2"}, new String[]{"12", "3"},
            new String[]{"4", "5"}, new String[]{"u", "s"}, new String[]{"Ġ", "t"}, new String[]{"Ġt", "h"},
            new String[]{"Ġth", "e"}, new String[]{"e", "r"}, new String[]{"s", "y"}, new String[]{"sy", "s"});

    private static Tokenizer qwen2() {
        return Tokenizers.fromHuggingFaceJson("qwen2 tokenizer.json",
                TinyTokenizerJson.build(SPECIALS, MERGES, false, SplitPattern.QWEN2_REGEX).toString());
    }

    @Test
    void digitsReachBpeOneAtATime() {
        Tokenizer q = qwen2();
        int[] ids = q.encode("12345", false);
        assertEquals(5, ids.length);
        for (int i = 0; i < 5; i++) {
            assertEquals(String.valueOf((char) ('1' + i)), q.decode(new int[]{ids[i]}));
        }
        // the same vocabulary behind Llama 3's regex merges "123" and "45"
        Tokenizer llama3 = TinyTokenizerJson.tokenizer(SPECIALS, MERGES, false);
        assertEquals(2, llama3.encode("12345", false).length);
        assertEquals(1, q.encode(" the", false).length, "merges still apply within a piece");
    }

    @Test
    void textRoundTrips() {
        Tokenizer q = qwen2();
        for (String text : List.of("Natalia sold 48 clips in April, and 1/2 as many in May.\n\n",
                "x² + 3.14159 = ∞? 東京 2024年 — done!  ", "<|im_start|>user\nhi<|im_end|>\n", "")) {
            assertEquals(text, q.decode(q.encode(text, false)), text);
        }
        assertEquals(ChatMlTemplate.IM_END, q.decode(new int[]{2}));
    }

    @Test
    void chatMlRendersTheConversationLiterally() {
        Tokenizer q = qwen2();
        ChatTemplate t = ChatTemplate.forTokenizer(q);
        assertInstanceOf(ChatMlTemplate.class, t);
        List<ChatMessage> messages = List.of(new ChatMessage("system", "Reason step by step."),
                new ChatMessage("user", " What is 12 + 30? "));
        assertEquals("<|im_start|>system\nReason step by step.<|im_end|>\n"
                + "<|im_start|>user\n What is 12 + 30? <|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(messages, true));
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nhello<|im_end|>\n",
                t.render(List.of(new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello")), false));
        int[] ids = t.encode(messages, true);
        assertEquals(1, ids[0], "<|im_start|> is its special token");
        assertArrayEquals(q.encode(t.render(messages, true), false), ids);
        assertTrue(q.decode(ids).endsWith("<|im_start|>assistant\n"));
        assertEquals(Set.of(2, 0), t.stopIds(), "<|im_end|> and <|endoftext|>");
        assertInstanceOf(ChatMlTemplate.class, ChatTemplate.named("chatml", q));
    }

    @Test
    void chatMlByNameNeedsItsMarkers() {
        Tokenizer llama3 = TinyTokenizerJson.tokenizer(List.of("<|begin_of_text|>"), List.of(), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.named("chatml", llama3));
        assertTrue(e.getMessage().contains("<|im_start|>"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("qwen", llama3));
        assertTrue(e.getMessage().contains("auto, chatml, llama3 or plain"), e.getMessage());
    }
}
