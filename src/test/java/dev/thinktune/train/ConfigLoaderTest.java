package dev.thinktune.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    @Test
    void fileValuesOverrideDefaultsAndOverridesOverrideTheFile() throws IOException {
        Path f = tmp.resolve("run.yaml");
        Files.writeString(f, "rollout:\n  n: 4\nobjective:\n  beta: 0.0\n  reduction: token-mean\n");
        TrainConfig c = ConfigLoader.load(f, List.of("rollout.n=6", "guidance.k=0", "guidance.behaviors=[self-critique]"));
        assertEquals(6, c.rollout().n());
        assertEquals(0.0, c.objective().beta());
        assertEquals(ObjectiveConfig.Reduction.TOKEN_MEAN, c.objective().reduction());
        assertEquals(0, c.guidance().k());
        assertEquals(List.of("self-critique"), c.guidance().behaviors());
        assertEquals(TrainConfig.defaults().optimizer(), c.optimizer(), "untouched sections keep their defaults");
    }

    @Test
    void savedYamlReadsBackToTheSameConfig() {
        TrainConfig c = ConfigLoader.load(List.of("seed=9", "optimizer.schedule=warmup-cosine", "mode=grpo"));
        assertEquals(c, ConfigLoader.parse(ConfigLoader.toYaml(c), "saved"));
    }

    @Test
    void jsonConfigsAreReadToo() throws IOException {
        Path f = tmp.resolve("run.json");
        Files.writeString(f, "{\"training\": {\"steps\": 3}}");
        assertEquals(3, ConfigLoader.load(f, List.of()).training().steps());
    }

    @Test
    void invalidValuesNameTheFieldAndTheAllowedRange() {
        assertMessage(List.of("objective.tau=0.00005"), "objective.tau", "above max(|c1|, |c2|)");
        assertMessage(List.of("rollout.n=1"), "rollout.n", ">= 2");
        assertMessage(List.of("objective.eps_low=1.5"), "objective.eps_low", "[0, 1)");
        assertMessage(List.of("guidance.schedule=sometimes"), "guidance.schedule", "constant, linear-decay");
        assertMessage(List.of("guidance.gamma=9"), "guidance.gamma", "at most rollout.n");
        assertMessage(List.of("training.mini_batch_size=5"), "training.mini_batch_size", "divisor");
        assertMessage(List.of("objective.adv_max=-5"), "objective.adv_max", "greater than adv_min");
        assertMessage(List.of("rollout.bogus=1"), "unknown field 'rollout.bogus'", "");
        assertMessage(List.of("guidance.teacher.type=oracle"), "guidance.teacher.type", "reference, local or openai");
    }

    @Test
    void unknownFieldsInAFileAreNamedWithTheAllowedOnes() throws IOException {
        Path f = tmp.resolve("bad.yaml");
        Files.writeString(f, "optimizer:\n  learning_rate: 0.1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("optimizer.learning_rate") && e.getMessage().contains("lr"), e.getMessage());
        Files.writeString(f, "rollout: [1, 2\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    }

    @Test
    void guidanceScheduleConstantAndLinearDecayWithCutoff() {
        TrainConfig.GuidanceSection constant = TrainConfig.GuidanceSection.DEFAULTS;
        assertEquals(1.0, constant.fraction(1));
        assertEquals(1.0, constant.fraction(10));
        assertEquals(0.0, constant.fraction(11));
        TrainConfig.GuidanceSection decay = new TrainConfig.GuidanceSection(4, 1,
                TrainConfig.GuidanceSection.Schedule.LINEAR_DECAY, 0.4, List.of("self-critique"),
                TrainConfig.TeacherSection.DEFAULTS);
        assertEquals(1.0, decay.fraction(1));
        assertEquals(0.75, decay.fraction(2));
        assertEquals(0.5, decay.fraction(3));
        assertEquals(0.0, decay.fraction(4), "0.25 is under the cut-off 0.4");
        assertEquals(0.0, decay.fraction(5));
        TrainConfig.GuidanceSection grpo = new TrainConfig.GuidanceSection(0, 1,
                TrainConfig.GuidanceSection.Schedule.CONSTANT, 0, List.of("self-critique"), TrainConfig.TeacherSection.DEFAULTS);
        assertEquals(0.0, grpo.fraction(1), "k = 0 is plain GRPO");
    }

    private static void assertMessage(List<String> overrides, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(overrides));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage() + " lacks " + p);
        }
    }
}
