package dev.thinktune.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config errors name what the user wrote (the file or the --set override) and what would be valid. */
class ConfigMessagesTest {
    @TempDir
    Path tmp;

    private Path config(String yaml) throws IOException {
        Path f = tmp.resolve("run.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static String message(Path file, String... overrides) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of(overrides))).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + message + "' lacks '" + p + "'");
        }
    }

    @Test
    void integerFieldsRefuseFractionsInsteadOfTruncatingThem() throws IOException {
        assertContains(message(config("training:\n  steps: 1.5\n")), "run.yaml", "training.steps = 1.5",
                "whole number");
        Path ok = config("seed: 3\n");
        assertContains(message(ok, "rollout.n=1.9"), "--set rollout.n=1.9", "rollout.n = 1.9", "whole number");
        assertContains(message(ok, "seed=0.5"), "seed = 0.5", "whole number");
        assertEquals(5, ConfigLoader.load(ok, List.of("training.steps=5")).training().steps());
        assertEquals(0.5, ConfigLoader.load(ok, List.of("guidance.cutoff=0.5")).guidance().cutoff(),
                "a double field still takes a fraction");
    }

    @Test
    void anOverrideErrorNamesTheOverrideNotTheFile() throws IOException {
        Path f = config("guidance:\n  gamma: 1\n");
        String m = message(f, "guidance.gamma=two");
        assertContains(m, "--set guidance.gamma=two", "guidance.gamma = two", "whole number");
        assertFalse(m.contains("run.yaml"), m);
        assertContains(message(f, "guidance.gamma=9"), "--set guidance.gamma=9", "at most rollout.n");
        assertContains(message(f, "rollout.n=1"), "--set rollout.n=1", ">= 2");
        assertContains(message(config("guidance:\n  gamma: 0\n")), "run.yaml", "guidance.gamma = 0");
    }

    @Test
    void aSectionSetToAValueIsExplainedWithoutAJavaClassName() throws IOException {
        String m = message(config("seed: 1\n"), "training=5");
        assertContains(m, "--set training=5", "'training' is a section", "training.FIELD=VALUE", "steps");
        assertFalse(m.contains("dev.thinktune") || m.contains("StepsSection"), m);
        assertContains(message(config("training: 5\n")), "run.yaml", "training = 5", "a section");
        assertContains(message(config("seed: 1\n"), "seed.x=1"), "'seed' is a value, not a section");
    }

    @Test
    void nearMissKeysGetADidYouMean() throws IOException {
        assertContains(message(config("training:\n  stesp: 3\n")), "unknown field 'training.stesp'",
                "did you mean 'steps'?");
        assertContains(message(config("seed: 1\n"), "optimizer.lrr=0.1"), "--set optimizer.lrr=0.1",
                "did you mean 'lr'?");
        assertContains(message(config("seed: 1\n"), "rollot.n=4"), "no section 'rollot'",
                "did you mean 'rollout'?");
        String far = message(config("seed: 1\n"), "optimizer.momentum=0.1");
        assertFalse(far.contains("did you mean"), far);
    }

    @Test
    void aMissingConfigFileSaysNotFoundAndSuggestsANeighbour() throws IOException {
        Files.writeString(tmp.resolve("quickstart.yaml"), "seed: 1\n");
        String m = message(tmp.resolve("quickstrat.yaml"));
        assertContains(m, "config file", "quickstrat.yaml not found", "did you mean",
                tmp.resolve("quickstart.yaml").toString());
    }

    @Test
    void editDistanceCountsATranspositionAsOneEdit() {
        assertEquals(1, DidYouMean.distance("stesp", "steps"));
        assertEquals(2, DidYouMean.distance("quickstrat", "quickstart") + 1);
        assertEquals(3, DidYouMean.distance("kitten", "sitting"));
        assertTrue(DidYouMean.nearest("xyz", List.of("steps", "mu")).isEmpty());
    }
}
