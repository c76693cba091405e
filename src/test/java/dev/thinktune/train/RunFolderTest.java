package dev.thinktune.train;

import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a run may start in its output directory, and the staging directories of unfinished writes. */
class RunFolderTest {
    @TempDir
    Path tmp;

    @Test
    void aFreshRunNeedsAnEmptyOrAbsentDirectory() throws IOException {
        assertEquals(0, new RunFolder(tmp.resolve("absent")).prepare(RunFolder.Start.FRESH));
        Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, new RunFolder(tmp.resolve("empty")).prepare(RunFolder.Start.FRESH));
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("train_config.yaml"), "mode: thinktune\n");
        Files.createDirectories(run.resolve("checkpoints/step-000040"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunFolder(run).prepare(RunFolder.Start.FRESH));
        assertEquals("output directory " + run + " already holds a run (checkpoints/, train_config.yaml): add --resume"
                + " to continue it, --overwrite to delete it and start again, or --out to choose another directory",
                e.getMessage());
    }

    @Test
    void overwriteClearsARunDirectoryButNoOtherDirectory() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("train_config.yaml"), "mode: thinktune\n");
        Files.createDirectories(run.resolve("final"));
        Files.writeString(run.resolve("report.md"), "# old\n");
        new RunFolder(run).prepare(RunFolder.Start.OVERWRITE);
        assertEquals(List.of(), list(run));

        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunFolder(home).prepare(RunFolder.Start.OVERWRITE));
        assertTrue(e.getMessage().contains("has none (notes.txt)"), e.getMessage());
        assertEquals(List.of("notes.txt"), list(home));
        assertThrows(IllegalArgumentException.class, () -> RunFolder.Start.of(true, true));
    }

    @Test
    void staleStagingDirectoriesAreRemovedBeforeARunResumes() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Path kept = Files.createDirectories(run.resolve("checkpoints/step-000010"));
        Files.createDirectories(run.resolve("checkpoints/step-000020.staging-4711"));
        Files.writeString(run.resolve("checkpoints/step-000020.staging-4711/model.safetensors"), "partial");
        Files.createDirectories(run.resolve("final.staging-99"));
        assertEquals(2, new RunFolder(run).prepare(RunFolder.Start.RESUME));
        assertEquals(List.of("checkpoints"), list(run));
        assertEquals(List.of("step-000010"), list(kept.getParent()));
    }

    @Test
    void aCheckpointWriteThatFailsLeavesNoStagingDirectory() {
        ModelWeights w = ModelWeights.initialize(LlamaConfig.of(64, 16, 32, 1, 2, 1, 32, true, 0, 1), 0.02, 1);
        TrainerCheckpoints checkpoints = new TrainerCheckpoints(tmp, List.of(tmp.resolve("missing-tokenizer.json")), 2);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> checkpoints.save(w,
                new AdamW(0.9, 0.999, 1e-8, 0.0), TrainerState.start(1), TrainConfig.defaults()));
        assertTrue(e.getMessage().contains("cannot write checkpoint") && e.getMessage().contains("missing-tokenizer"),
                e.getMessage());
        assertEquals(List.of(), list(tmp.resolve("checkpoints")), "the model written before the failure is gone");
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
