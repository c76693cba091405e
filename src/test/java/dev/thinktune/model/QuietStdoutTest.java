package dev.thinktune.model;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Silencing one thread's standard output leaves the others' alone, however the quiet sections overlap. */
class QuietStdoutTest {

    @Test
    void overlappingQuietSectionsOnTwoThreadsNeverSilenceTheProcess() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            CountDownLatch bothInside = new CountDownLatch(2);
            CountDownLatch firstMayLeave = new CountDownLatch(1);
            CountDownLatch firstLeft = new CountDownLatch(1);
            Thread first = new Thread(() -> QuietStdout.run(() -> {
                bothInside.countDown();
                await(bothInside);
                System.out.println("quiet first");
                await(firstMayLeave);
            }));
            Thread second = new Thread(() -> QuietStdout.run(() -> {
                bothInside.countDown();
                await(bothInside);
                System.out.println("quiet second");
                await(firstLeft); // leaves after the first: the order that used to restore a null stream
            }));
            first.start();
            second.start();
            assertTrue(bothInside.await(10, TimeUnit.SECONDS));
            System.out.println("loud while both are quiet");
            firstMayLeave.countDown();
            first.join();
            firstLeft.countDown();
            second.join();
            System.out.println("loud after");
            System.out.flush();
            String text = captured.toString(StandardCharsets.UTF_8);
            assertEquals("loud while both are quiet\nloud after\n", text.replace("\r\n", "\n"));
        } finally {
            System.setOut(original);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
