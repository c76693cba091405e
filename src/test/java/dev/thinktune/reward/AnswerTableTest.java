package dev.thinktune.reward;

import dev.thinktune.data.Example;
import dev.thinktune.data.Example.AnswerType;
import dev.thinktune.data.Example.Choice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written tables answers.psv (extraction and verdict) and equivalence.psv. */
class AnswerTableTest {

    private static final List<Choice> COUNTRIES = List.of(new Choice("A", "france"), new Choice("B", "spain"),
            new Choice("C", "great britain"), new Choice("D", "italy"), new Choice("E", "germany"));
    private static final List<Choice> COLOURS = List.of(new Choice("1", "red"), new Choice("2", "green"),
            new Choice("3", "blue"), new Choice("4", "white"));
    private static final List<String> LETTERS = List.of("A", "B", "C", "D", "E");

    static Stream<Arguments> answers() {
        return AnswerTables.read("answers.psv", 6);
    }

    static Stream<Arguments> equivalences() {
        return AnswerTables.read("equivalence.psv", 4);
    }

    @Test
    void tablesHaveAtLeastSixtyCasesEach() {
        assertTrue(answers().count() >= 60, "answers.psv rows");
        assertTrue(equivalences().count() >= 60, "equivalence.psv rows");
    }

    @ParameterizedTest(name = "answers.psv:{0} [{1}] {2}: {3}")
    @MethodSource("answers")
    void extractsAndVerifies(int line, String mode, String type, String completion, String extracted,
                             String reference, String correct) {
        Example example = switch (type) {
            case "CHOICE" -> new Example("t", "q", reference, "", COUNTRIES, AnswerType.CHOICE);
            case "CHOICE_DIGITS" -> new Example("t", "q", reference, "", COLOURS, AnswerType.CHOICE);
            default -> new Example("t", "q", reference, "", List.of(), AnswerType.valueOf(type));
        };
        Verifier verifier = switch (mode) {
            case "L" -> Verifier.lenient();
            case "S" -> Verifier.strict();
            default -> throw new IllegalArgumentException("mode " + mode);
        };
        Verification v = verifier.verify(example, completion);
        assertEquals(Optional.ofNullable(extracted), v.extracted(), "extracted answer");
        assertEquals(Boolean.parseBoolean(correct), v.correct(), "verdict");
    }

    @ParameterizedTest(name = "equivalence.psv:{0} [{1}] {2} vs {3}")
    @MethodSource("equivalences")
    void comparesAnswers(int line, String kind, String predicted, String reference, String equal) {
        boolean expected = Boolean.parseBoolean(equal);
        boolean actual = switch (kind) {
            case "MATH" -> MathEquivalence.DEFAULT.equivalent(predicted, reference);
            case "CHOICE" -> ChoiceLabels.sameLabel(predicted, reference, LETTERS);
            case "YES_NO" -> YesNo.same(predicted, reference);
            default -> throw new IllegalArgumentException("kind " + kind);
        };
        assertEquals(expected, actual);
        if (kind.equals("MATH")) {
            assertEquals(expected, MathEquivalence.DEFAULT.equivalent(reference, predicted), "symmetric");
        }
    }
}
