package dev.thinktune.teacher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict reading of teacher replies. */
class ReplyParserTest {

    private static final String REASON = "Wait, let me re-check my steps. 16 + 15 is not 21.";
    private static final String PHRASE = "Adding again: 16 + 15 = 31. So the answer is \\boxed{31}.";
    private static final String WELL_FORMED = "<opinion>incorrect</opinion>\n<reason>" + REASON + "</reason>\n<phrase>"
            + PHRASE + "</phrase>";

    private static TeacherReply.Reflection reflection(String reply) {
        return assertInstanceOf(TeacherReply.Reflection.class, ReplyParser.parse(reply));
    }

    private static String parseFailure(String reply) {
        TeacherReply.Failure f = assertInstanceOf(TeacherReply.Failure.class, ReplyParser.parse(reply),
                () -> "should not parse: " + reply);
        assertEquals(TeacherReply.Kind.PARSE, f.kind());
        return f.message();
    }

    @Test
    void wellFormedReplyGivesItsThreeParts() {
        TeacherReply.Reflection r = reflection(WELL_FORMED);
        assertEquals("incorrect", r.opinion());
        assertEquals(REASON, r.reason());
        assertEquals(PHRASE, r.phrase());
    }

    @Test
    void contentsAreTrimmedAndOpinionCaseIsNormalised() {
        TeacherReply.Reflection r = reflection("  \n<opinion> Correct </opinion><reason>\n  " + REASON
                + "\n\n</reason>   <phrase>\t" + PHRASE + "  </phrase>\n\n");
        assertEquals("correct", r.opinion());
        assertEquals(REASON, r.reason());
        assertEquals(PHRASE, r.phrase());
    }

    @Test
    void lineBreaksInsideTheReasonAreKept() {
        TeacherReply.Reflection r = reflection("<opinion>correct</opinion><reason>First.\nSecond.</reason>"
                + "<phrase>So \\boxed{2}.</phrase>");
        assertEquals("First.\nSecond.", r.reason());
    }

    @Test
    void renderedReplyParsesBack() {
        TeacherReply.Reflection r = reflection(ReplyParser.render("correct", REASON, PHRASE));
        assertEquals(new TeacherReply.Reflection("correct", REASON, PHRASE), r);
    }

    @Test
    void shortPreambleIsTolerated() {
        assertEquals(REASON, reflection("Here is my reflection:\n" + WELL_FORMED).reason());
    }

    @Test
    void longPreambleIsNot() {
        String preamble = "x".repeat(ReplyParser.MAX_PREAMBLE + 1);
        assertTrue(parseFailure(preamble + WELL_FORMED).contains("before <opinion>"));
        reflection("x".repeat(ReplyParser.MAX_PREAMBLE) + WELL_FORMED);
    }

    @Test
    void textAfterThePhraseIsRefused() {
        assertTrue(parseFailure(WELL_FORMED + "\nI hope this helps!").contains("after </phrase>"));
    }

    @Test
    void textBetweenTagsIsRefused() {
        parseFailure("<opinion>correct</opinion> Now the reason: <reason>" + REASON + "</reason><phrase>" + PHRASE
                + "</phrase>");
        parseFailure("<opinion>correct</opinion><reason>" + REASON + "</reason> and <phrase>" + PHRASE + "</phrase>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   \n\t ", "no tags at all, just \\boxed{3}"})
    void emptyOrTaglessRepliesFail(String reply) {
        parseFailure(reply);
    }

    @Test
    void nullReplyFails() {
        parseFailure(null);
    }

    @Test
    void missingClosingTagsFail() {
        parseFailure("<opinion>correct<reason>" + REASON + "</reason><phrase>" + PHRASE + "</phrase>");
        parseFailure("<opinion>correct</opinion><reason>" + REASON + "<phrase>" + PHRASE + "</phrase>");
        assertTrue(parseFailure("<opinion>correct</opinion><reason>" + REASON + "</reason><phrase>" + PHRASE)
                .contains("missing </phrase>"));
    }

    @Test
    void missingPartsFail() {
        parseFailure("<opinion>correct</opinion><phrase>" + PHRASE + "</phrase>");
        parseFailure("<reason>" + REASON + "</reason><phrase>" + PHRASE + "</phrase>");
        parseFailure("<opinion>correct</opinion><reason>" + REASON + "</reason>");
    }

    @Test
    void tagsOutOfOrderFail() {
        parseFailure("<opinion>correct</opinion><phrase>" + PHRASE + "</phrase><reason>" + REASON + "</reason>");
        parseFailure("<reason>" + REASON + "</reason><opinion>correct</opinion><phrase>" + PHRASE + "</phrase>");
    }

    @Test
    void duplicatedTagsFail() {
        parseFailure(WELL_FORMED + "\n<phrase>" + PHRASE + "</phrase>");
        parseFailure("<opinion>correct</opinion><opinion>incorrect</opinion><reason>" + REASON + "</reason><phrase>"
                + PHRASE + "</phrase>");
    }

    @Test
    void nestedTagsFail() {
        parseFailure("<opinion>correct</opinion><reason>" + REASON + "<phrase>" + PHRASE + "</phrase></reason>");
        parseFailure("<opinion>correct</opinion><reason><opinion>incorrect</opinion>" + REASON
                + "</reason><phrase>" + PHRASE + "</phrase>");
    }

    @Test
    void tagsInsideTheTextFail() {
        parseFailure("<opinion>correct</opinion><reason>I should write </reason> only at the end.</reason><phrase>"
                + PHRASE + "</phrase>");
        parseFailure("<opinion>correct</opinion><reason>" + REASON + "</reason><phrase>The tag <phrase> starts it. "
                + PHRASE + "</phrase>");
    }

    @Test
    void tagVariantsAreNotAccepted() {
        parseFailure(WELL_FORMED.replace("<reason>", "<Reason>").replace("</reason>", "</Reason>"));
        parseFailure(WELL_FORMED.replace("</phrase>", "< /phrase>"));
        parseFailure(WELL_FORMED.replace("<opinion>", "<opinion type=\"verdict\">"));
    }

    @Test
    void otherMarkupInsideTheTextIsFine() {
        reflection("<opinion>correct</opinion><reason>Since 3 < 5 and 7 > 2, my <b>order</b> holds.</reason>"
                + "<phrase>So \\boxed{5}.</phrase>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"right", "yes", "partially correct", "", "correct.", "in correct"})
    void opinionMustBeCorrectOrIncorrect(String opinion) {
        parseFailure("<opinion>" + opinion + "</opinion><reason>" + REASON + "</reason><phrase>" + PHRASE
                + "</phrase>");
    }

    @Test
    void emptyReasonOrPhraseFails() {
        assertTrue(parseFailure("<opinion>correct</opinion><reason>  </reason><phrase>" + PHRASE + "</phrase>")
                .contains("empty <reason>"));
        parseFailure("<opinion>correct</opinion><reason>" + REASON + "</reason><phrase>\n</phrase>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"So the answer is 31.", "So the answer is \\boxed{}.", "So the answer is \\boxed{31.",
            "The answer is boxed{31}."})
    void phraseWithoutAWellFormedBoxedAnswerFails(String phrase) {
        assertTrue(parseFailure("<opinion>incorrect</opinion><reason>" + REASON + "</reason><phrase>" + phrase
                + "</phrase>").contains("boxed"));
    }
}
