package dev.thinktune.serve;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cutting streamed text at stop strings. */
class StopMatcherTest {

    /** Feeds {@code pieces} and returns everything emitted. */
    private static String stream(List<String> stops, String... pieces) {
        StopMatcher m = new StopMatcher(stops);
        StringBuilder out = new StringBuilder();
        for (String p : pieces) {
            out.append(m.accept(p));
        }
        return out.append(m.finish()).toString();
    }

    @Test
    void textIsCutBeforeTheFirstStopStringEvenAcrossPieces() {
        assertEquals("Hello", stream(List.of("\n\n"), "Hel", "lo\n", "\nBye"));
        assertEquals("a", stream(List.of("END", "b"), "ab", "cEND"));
        assertEquals("x", stream(List.of("yz", "y"), "x", "y", "z"));
    }

    @Test
    void aPossibleStartOfAStopStringIsHeldBackUntilItIsDecided() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        assertEquals("go ", m.accept("go ST"));
        assertEquals("STart", m.accept("art"));
        assertEquals("", m.accept("ST"));
        assertEquals("ST", m.finish());
        assertFalse(m.stopped());
    }

    @Test
    void afterTheStopNothingMoreIsEmitted() {
        StopMatcher m = new StopMatcher(List.of("."));
        assertEquals("One", m.accept("One. Two"));
        assertTrue(m.stopped());
        assertEquals("", m.accept(" three"));
        assertEquals("", m.finish());
    }

    @Test
    void withoutStopStringsEverythingPasses() {
        assertEquals("all of it", stream(List.of(), "all ", "of it"));
        assertEquals("cut", StopMatcher.cut("cut here", List.of(" here")));
    }
}
