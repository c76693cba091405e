package dev.thinktune.train;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one and two Ctrl-Cs do (a real SIGINT to a training process: {@code TrainingRunTest}). */
class ConsoleInterruptTest {
    @Test
    void theFirstInterruptAsksForAStopAndTheSecondExitsAtOnce() {
        StopRequest stop = new StopRequest();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        AtomicInteger exits = new AtomicInteger();
        ConsoleInterrupt handler = new ConsoleInterrupt(stop, new PrintStream(console, true), exits::incrementAndGet);
        assertFalse(stop.requested());

        handler.onSignal();
        assertTrue(stop.requested());
        assertEquals(0, exits.get(), "the first interrupt lets the step finish");
        assertTrue(console.toString().contains("finishing the current step, then writing a checkpoint"),
                console.toString());

        handler.onSignal();
        assertEquals(1, exits.get(), "the second interrupt exits");
        assertTrue(console.toString().contains("second interrupt: quitting now"), console.toString());
    }
}
