package dev.thinktune.data;

import dev.thinktune.data.Example.AnswerType;
import dev.thinktune.data.Example.Choice;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PromptFormatterTest {

    private static final Example CHOICE = new Example("c", "Which gas do plants take in?", "B", "",
            List.of(new Choice("A", "oxygen"), new Choice("B", "carbon dioxide")), AnswerType.CHOICE);
    private static final Example NUMBER = new Example("n", "  How many apples?\n", "3", "", List.of(),
            AnswerType.NUMBER);

    @Test
    void rendersQuestionChoicesAndInstruction() {
        assertEquals("""
                Which gas do plants take in?

                A. oxygen
                B. carbon dioxide

                Answer with the label of the correct option (A, B) and put it within \\boxed{}.""",
                PromptFormatter.defaults().render(CHOICE));
        assertEquals("How many apples?\n\nPut your final answer within \\boxed{}.",
                PromptFormatter.defaults().render(NUMBER));
        assertEquals("Is it?\n\nAnswer yes or no, and put your final answer within \\boxed{}.",
                PromptFormatter.defaults().render(new Example("y", "Is it?", "yes", "", List.of(),
                        AnswerType.YES_NO)));
    }

    @Test
    void instructionsAreConfigurable() {
        assertEquals("How many apples?", PromptFormatter.questionOnly().render(NUMBER));
        PromptFormatter f = PromptFormatter.defaults().withInstruction(AnswerType.CHOICE, "Reply with one of {labels}.");
        assertEquals("Which gas do plants take in?\n\nA. oxygen\nB. carbon dioxide\n\nReply with one of A, B.",
                f.render(CHOICE));
        assertEquals(PromptFormatter.defaults().render(NUMBER), f.render(NUMBER), "other types unchanged");
    }
}
