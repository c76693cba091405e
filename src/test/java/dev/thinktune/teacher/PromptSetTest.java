package dev.thinktune.teacher;

import dev.thinktune.tokenizer.ChatMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The behaviour prompts: the built-in set, the file format, and replacing prompts from a directory. */
class PromptSetTest {

    static final Path QUOTE_SET = Path.of("configs", "prompts", "unknown-behavior");

    private static final String MINIMAL = """
            # a comment
            ## System
            Reflect as the student.
            ## Question
            What is 2 + 2?
            ## Student answer
            2 + 2 = 5. \\boxed{5}
            ## Reply
            <opinion>incorrect</opinion>
            <reason>Wait, 2 + 2 is 4, not 5.</reason>
            <phrase>So the answer is \\boxed{4}.</phrase>
            """;

    @Test
    void builtInPromptsDefineEachBehaviourWithDemonstrationsThatParse() {
        PromptSet set = PromptSet.builtIn();
        for (Behavior b : Behavior.values()) {
            BehaviorPrompt p = set.get(b);
            assertEquals(b, p.behavior());
            assertTrue(p.system().toLowerCase(Locale.ROOT).contains(b.id()), b.id() + " is defined in its prompt");
            assertTrue(p.system().contains("<opinion>") && p.system().contains("\\boxed{}"));
            assertTrue(p.demonstrations().size() >= 2, b.id() + " has few-shot examples");
            Set<String> opinions = p.demonstrations().stream()
                    .map(d -> assertInstanceOf(TeacherReply.Reflection.class, ReplyParser.parse(d.reply())).opinion())
                    .collect(Collectors.toSet());
            assertEquals(Set.of("correct", "incorrect"), opinions, b.id() + " shows both verdicts");
            for (BehaviorPrompt.Demonstration d : p.demonstrations()) {
                TeacherReply.Reflection r = (TeacherReply.Reflection) ReplyParser.parse(d.reply());
                assertTrue(r.reason().matches("(?s).*\\b(I|my|me)\\b.*"), "first person: " + r.reason());
                assertTrue(d.studentAnswer().contains("\\boxed{"));
            }
            assertTrue(p.closingLines().isEmpty());
            assertTrue(set.sources().get(b).startsWith("classpath:"));
        }
    }

    @Test
    void messagesAreSystemThenDemonstrationTurnsThenTheQuery() {
        BehaviorPrompt p = PromptSet.builtIn().get(Behavior.SELF_CRITIQUE);
        List<ChatMessage> m = p.messages("What is 6 x 7?", "6 x 7 = 48. \\boxed{48}");
        assertEquals(2 + 2 * p.demonstrations().size(), m.size());
        assertEquals(ChatMessage.system(p.system()), m.get(0));
        for (int i = 0; i < p.demonstrations().size(); i++) {
            BehaviorPrompt.Demonstration d = p.demonstrations().get(i);
            assertEquals(ChatMessage.user(BehaviorPrompt.userMessage(d.question(), d.studentAnswer())), m.get(1 + 2 * i));
            assertEquals(ChatMessage.assistant(d.reply()), m.get(2 + 2 * i));
        }
        assertEquals(ChatMessage.user("Question:\nWhat is 6 x 7?\n\nStudent's answer:\n6 x 7 = 48. \\boxed{48}"),
                m.get(m.size() - 1));
    }

    @Test
    void aDirectoryReplacesTheBehavioursItHasFilesFor(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("self-critique.md"), MINIMAL);
        PromptSet set = PromptSet.load(dir);
        BehaviorPrompt p = set.get(Behavior.SELF_CRITIQUE);
        assertEquals("Reflect as the student.", p.system());
        assertEquals(List.of(new BehaviorPrompt.Demonstration("What is 2 + 2?", "2 + 2 = 5. \\boxed{5}",
                "<opinion>incorrect</opinion>\n<reason>Wait, 2 + 2 is 4, not 5.</reason>\n"
                        + "<phrase>So the answer is \\boxed{4}.</phrase>")), p.demonstrations());
        assertEquals(dir.resolve("self-critique.md").toString(), set.sources().get(Behavior.SELF_CRITIQUE));
        assertEquals(PromptSet.builtIn().get(Behavior.SELF_AGREEMENT), set.get(Behavior.SELF_AGREEMENT));
        assertEquals(set.get(Behavior.SELF_CRITIQUE), PromptSet.fromSetting(dir.toString()).get(Behavior.SELF_CRITIQUE));
        assertEquals(PromptSet.builtIn().get(Behavior.SELF_CRITIQUE), PromptSet.fromSetting(" ").get(Behavior.SELF_CRITIQUE));
    }

    @Test
    void txtFilesAndCrlfLineEndingsAreRead(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("self-conflict.txt"), MINIMAL.replace("\n", "\r\n"));
        assertEquals("What is 2 + 2?", PromptSet.load(dir).get(Behavior.SELF_CONFLICT).demonstrations().get(0).question());
    }

    @Test
    void theUnknownBehaviourSetQuotesThalapathyVijayInEveryDemonstration() {
        PromptSet set = PromptSet.load(QUOTE_SET);
        for (Behavior b : Behavior.values()) {
            BehaviorPrompt p = set.get(b);
            assertTrue(set.sources().get(b).startsWith(QUOTE_SET.toString()), "all four come from the set");
            assertTrue(p.closingLines().size() >= 2);
            p.closingLines().forEach(l -> assertTrue(l.startsWith("As Thalapathy Vijay said, \""), l));
            for (BehaviorPrompt.Demonstration d : p.demonstrations()) {
                String reason = ((TeacherReply.Reflection) ReplyParser.parse(d.reply())).reason();
                assertTrue(p.closingLines().stream().anyMatch(reason::endsWith), "ends with a closing line: " + reason);
            }
            assertTrue(p.system().contains("Thalapathy Vijay"));
        }
    }

    @Test
    void referenceReasonsAndClosingLinesFollowTheDemonstrationsInEitherOrder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("self-critique.md"), MINIMAL + "## Reference reasons\nLet me check {it}.\n\n"
                + "Wait.\n## Closing lines\nAs someone said, \"x\"\n");
        BehaviorPrompt p = PromptSet.load(dir).get(Behavior.SELF_CRITIQUE);
        assertEquals(List.of("Let me check {it}.", "Wait."), p.referenceReasons());
        assertEquals(List.of("As someone said, \"x\""), p.closingLines());
        Files.writeString(dir.resolve("self-critique.md"), MINIMAL + "## Closing lines\nc\n## Reference reasons\nr\n");
        p = PromptSet.load(dir).get(Behavior.SELF_CRITIQUE);
        assertEquals(List.of("r"), p.referenceReasons());
        assertEquals(List.of("c"), p.closingLines());
        assertEquals(1, p.demonstrations().size());
    }

    @Test
    void malformedFilesAreRefusedWithFileAndLine(@TempDir Path dir) throws IOException {
        assertRefused(dir, MINIMAL.replace("## Student answer", "## Answer"), "self-critique.md:6", "unknown section");
        assertRefused(dir, MINIMAL.replace("## System\nReflect as the student.\n", ""), "self-critique.md:2",
                "out of order");
        assertRefused(dir, MINIMAL.replace("Reflect as the student.", ""), "self-critique.md:2", "is empty");
        assertRefused(dir, MINIMAL.replace("\\boxed{4}", "4"), "self-critique.md:8", "does not parse");
        assertRefused(dir, MINIMAL.replace("## Reply", "## Question"), "self-critique.md:8", "out of order");
        assertRefused(dir, MINIMAL.substring(0, MINIMAL.indexOf("## Reply")), "self-critique.md", "no '## Reply'");
        assertRefused(dir, MINIMAL + "## Closing lines\nAs someone said, \"x\"\n## Question\nq\n",
                "self-critique.md:14", "only '## Closing lines' or '## Reference reasons' after");
        assertRefused(dir, MINIMAL + "## Closing lines\nx\n## Reference reasons\ny\n## Closing lines\nz\n",
                "self-critique.md:16", "appears twice");
        assertRefused(dir, "# only a comment\n", "self-critique.md", "no '## System'");
    }

    private static void assertRefused(Path dir, String text, String where, String why) throws IOException {
        Files.writeString(dir.resolve("self-critique.md"), text);
        PromptFormatException e = assertThrows(PromptFormatException.class, () -> PromptSet.load(dir));
        assertTrue(e.getMessage().contains(where) && e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void directoriesWithoutPromptsOrWithUnknownNamesAreRefused(@TempDir Path dir) throws IOException {
        assertTrue(assertThrows(PromptFormatException.class, () -> PromptSet.load(dir)).getMessage()
                .contains("holds no teacher prompt"));
        assertTrue(assertThrows(PromptFormatException.class, () -> PromptSet.load(dir.resolve("missing")))
                .getMessage().contains("does not exist"));
        Files.writeString(dir.resolve("self-critic.md"), MINIMAL);
        assertTrue(assertThrows(PromptFormatException.class, () -> PromptSet.load(dir)).getMessage()
                .contains("self-critic.md"));
        Files.delete(dir.resolve("self-critic.md"));
        Files.writeString(dir.resolve("self-critique.md"), MINIMAL);
        Files.writeString(dir.resolve("self-critique.txt"), MINIMAL);
        assertTrue(assertThrows(PromptFormatException.class, () -> PromptSet.load(dir)).getMessage()
                .contains("keep one"));
    }
}
