package dev.thinktune.train;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The distributed section: off by default, turned on by its master, checked before anything runs. */
class DistributedConfigTest {

    @Test
    void theSectionIsOffByDefaultAndOneFieldTurnsItOnWithTheOthersDefaults() {
        assertNull(ConfigLoader.load(List.of()).distributed().spark());
        TrainConfig.SparkSection s = ConfigLoader.load(List.of("distributed.spark.master=local[2]")).distributed().spark();
        assertEquals(new TrainConfig.SparkSection("local[2]", 0, ""), s);
        // written with a run and read back
        TrainConfig cfg = ConfigLoader.load(List.of("distributed.spark.partitions=3"));
        assertEquals(cfg, ConfigLoader.parse(ConfigLoader.toYaml(cfg), "saved"));
        assertEquals("local[*]", cfg.distributed().spark().master());
    }

    @Test
    void badValuesNameTheField() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(List.of("distributed.spark.partitions=-1")));
        assertTrue(e.getMessage().contains("distributed.spark.partitions"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of("distributed.spark.master=' '")));
        assertTrue(e.getMessage().contains("distributed.spark.master") && e.getMessage().contains("local[N]"),
                e.getMessage());
    }

    @Test
    void whatOneDistributedUpdatePerStepCannotDoIsRefusedNamingTheField() {
        for (String[] c : new String[][]{{"training.mu=2", "training.mu"},
                {"training.mini_batch_size=8", "training.mini_batch_size"},
                {"objective.adv_range=batch", "objective.adv_range"}, {"mode=sft", "mode"}}) {
            TrainConfig cfg = ConfigLoader.load(List.of(c[0], "training.questions_per_step=4", "rollout.n=4",
                    "distributed.spark.master=local[2]"));
            ConfigException e = assertThrows(ConfigException.class, () -> DistributedSteps.requireSupported(cfg));
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("distributed.spark"), e.getMessage());
        }
        DistributedSteps.requireSupported(ConfigLoader.load(List.of("distributed.spark.master=local[2]")));
    }

    @Test
    void withoutTheSparkBuildTheRunSaysHowToBuildIt() {
        assumeTrue(!onClasspath(DistributedSteps.SPARK_IMPLEMENTATION), "this build has Spark (-Pspark)");
        TrainConfig cfg = ConfigLoader.load(List.of("distributed.spark.master=local[2]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributedSteps.open(cfg,
                null, Guides::teacher, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("--spark local[2]") && e.getMessage().contains("mvn -Pspark"),
                e.getMessage());
    }

    private static boolean onClasspath(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

}
