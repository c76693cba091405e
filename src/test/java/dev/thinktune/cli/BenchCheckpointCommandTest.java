package dev.thinktune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCheckpointCommandTest {
    @Test
    void aDirectoryThatHoldsOtherFilesIsNeverReplaced(@TempDir Path tmp) throws Exception {
        Path mine = tmp.resolve("mine");
        Files.createDirectories(mine.resolve("models"));
        Files.writeString(mine.resolve("notes.txt"), "keep me");

        CliRun r = CliRun.of("bench", "checkpoint", "--size", "tiny", "--out", mine.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("already holds models/, notes.txt") && r.err().contains("--overwrite"), r.err());

        r = CliRun.of("bench", "checkpoint", "--size", "tiny", "--out", mine.toString(), "--overwrite");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("only a checkpoint directory"), r.err());
        assertEquals("keep me", Files.readString(mine.resolve("notes.txt")));
        assertTrue(Files.isDirectory(mine.resolve("models")));
    }

    @Test
    void aCheckpointIsReplacedOnlyWithOverwrite(@TempDir Path tmp) throws Exception {
        Path ck = tmp.resolve("ck");
        CliRun r = CliRun.of("bench", "checkpoint", "--size", "tiny", "--out", ck.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(ck.resolve("config.json")));

        r = CliRun.of("bench", "checkpoint", "--size", "tiny", "--out", ck.toString(), "--seed", "3");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("config.json"), r.err());

        byte[] before = Files.readAllBytes(ck.resolve("model.safetensors"));
        r = CliRun.of("bench", "checkpoint", "--size", "tiny", "--out", ck.toString(), "--seed", "3", "--overwrite");
        assertEquals(0, r.code(), r.err());
        assertNotEquals(java.util.Arrays.hashCode(before),
                java.util.Arrays.hashCode(Files.readAllBytes(ck.resolve("model.safetensors"))),
                "another seed's weights replaced the first");
    }
}
