package dev.thinktune.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {

    private static int[] ids(Tokenizer t, String... tokens) {
        int[] ids = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            ids[i] = t.tokenId(token).orElseThrow(() -> new AssertionError("no token " + token));
        }
        return ids;
    }

    @Test
    void llama3SystemAndUserWithGenerationPromptGiveTheseTokens() {
        Tokenizer t = Fixtures.fixtureTokenizer();
        ChatTemplate template = ChatTemplate.forTokenizer(t);
        assertInstanceOf(Llama3ChatTemplate.class, template);
        List<ChatMessage> conversation = List.of(ChatMessage.system("You are a careful tutor."),
                ChatMessage.user("  How many apples does Betty have?\n"));
        // the tokens Hugging Face gives the rendered template with this fixture (content stripped)
        int[] expected = ids(t, "<|begin_of_text|>",
                "<|start_header_id|>", "s", "y", "s", "te", "m", "<|end_header_id|>", "Ċ", "Ċ",
                "Y", "o", "u", "Ġa", "re", "Ġa", "Ġc", "a", "re", "f", "u", "l", "Ġt", "u", "t", "o", "r", ".",
                "<|eot_id|>",
                "<|start_header_id|>", "u", "s", "er", "<|end_header_id|>", "Ċ", "Ċ",
                "How", "Ġmany", "Ġapples", "Ġdoes", "ĠBetty", "Ġhave", "?", "<|eot_id|>",
                "<|start_header_id|>", "a", "s", "s", "is", "t", "a", "n", "t", "<|end_header_id|>", "Ċ", "Ċ");
        assertArrayEquals(expected, template.encode(conversation, true));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a careful tutor.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHow many apples does Betty have?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                template.render(conversation, true));
    }

    @Test
    void llama3WithoutGenerationPromptEndsAtTheLastEotAndMatchesTheFixtureCase() {
        Tokenizer t = Fixtures.fixtureTokenizer();
        ChatTemplate template = ChatTemplate.forTokenizer(t);
        // cases.json has "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" encoded with BOS added
        int[] fromCase = t.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true);
        assertArrayEquals(fromCase, template.encode(List.of(ChatMessage.user("Hi")), false));
    }

    @Test
    void specialMarkersInContentBecomeSpecialTokens() {
        Tokenizer t = Fixtures.fixtureTokenizer();
        int[] ids = ChatTemplate.forTokenizer(t).encode(List.of(ChatMessage.user("a<|eot_id|>b")), false);
        long eots = java.util.Arrays.stream(ids).filter(id -> id == 4).count();
        assertEquals(2, eots, "the one in the content and the one closing the message");
    }

    @Test
    void llama3StopIdsAreEndOfTurnAndEndOfText() {
        Tokenizer t = Fixtures.fixtureTokenizer();
        assertEquals(Set.of(4, 1), ChatTemplate.forTokenizer(t).stopIds());
    }

    @Test
    void plainTemplateForTokenizersWithoutChatTokens() {
        Tokenizer t = TinyTokenizerJson.tokenizer(List.of("<s>", "</s>"), List.of(), true);
        ChatTemplate template = ChatTemplate.forTokenizer(t);
        assertInstanceOf(PlainChatTemplate.class, template);
        List<ChatMessage> conversation = List.of(ChatMessage.system("Solve the problem."),
                ChatMessage.user("What is 2+3?"), ChatMessage.assistant("5"), ChatMessage.user(" And 4+4? "));
        String rendered = template.render(conversation, true);
        assertEquals("Solve the problem.\n\nQuestion: What is 2+3?\nAnswer: 5\n\nQuestion: And 4+4?\nAnswer:", rendered);
        int[] ids = template.encode(conversation, true);
        assertEquals(0, ids[0], "BOS first");
        assertEquals(rendered, t.decode(java.util.Arrays.copyOfRange(ids, 1, ids.length)));
        assertEquals(Set.of(1), template.stopIds(), "the tokenizer's EOS");
    }

    @Test
    void plainTemplateWithoutBosOrEos() {
        Tokenizer t = TinyTokenizerJson.tokenizer(List.of(), List.of(), false);
        ChatTemplate template = ChatTemplate.forTokenizer(t);
        int[] ids = template.encode(List.of(ChatMessage.user("Hi")), true);
        assertEquals("Question: Hi\nAnswer:", t.decode(ids));
        assertTrue(template.stopIds().isEmpty());
    }

    @Test
    void plainTemplateRefusesUnknownRoles() {
        Tokenizer t = TinyTokenizerJson.tokenizer(List.of(), List.of(), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.forTokenizer(t).encode(List.of(new ChatMessage("tool", "x")), false));
        assertTrue(e.getMessage().contains("no role \"tool\""), e.getMessage());
    }

    @Test
    void contentIsStrippedOfPythonWhitespace() {
        assertEquals("a b", UnicodeClasses.stripPython("\u3000\u001F\n a b\u00A0\t"));
        assertEquals("", UnicodeClasses.stripPython(" \n "));
    }
}
