package dev.thinktune.config;

import dev.thinktune.lora.LoraConfig;
import dev.thinktune.train.LrSchedule;
import dev.thinktune.train.PretrainConfig;
import dev.thinktune.train.TrainConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config records built from the defaults written beside their fields. */
class ConfigDefaultsTest {

    record Inner(@Default("3") int n, @Default("[\"a\", \"b\"]") List<String> names) {
    }

    record Outer(@Default("\"x\"") String name, Inner inner, @Default("null") Inner off, @Default("0.5") double p) {
    }

    record Missing(@Default("1") int a, int b) {
    }

    record Checked(@Default("-1") int positive) {
        Checked {
            if (positive < 1) {
                throw new IllegalArgumentException("positive must be >= 1, got " + positive);
            }
        }
    }

    @Test
    void valuesNestedSectionsAndOffSectionsComeFromTheAnnotations() {
        assertEquals(new Outer("x", new Inner(3, List.of("a", "b")), null, 0.5), ConfigDefaults.of(Outer.class));
    }

    @Test
    void theShippedSectionsKeepTheirDefaults() {
        // the values the sections were built from, positionally, before their defaults moved beside the fields
        assertEquals(new TrainConfig.StepsSection(50, 8, 1, 0, 16, false, 10, 2, 3, 0, 1), TrainConfig.StepsSection.DEFAULTS);
        assertEquals(new TrainConfig.EvalSection(64, 256, 1, 0.0), TrainConfig.EvalSection.DEFAULTS);
        assertEquals(new LoraConfig(16, 32, 0.0, LoraConfig.MODULES), LoraConfig.DEFAULTS);
        assertNull(TrainConfig.defaults().model().lora(), "adapters are off by default");
        assertEquals(TrainConfig.Mode.THINKTUNE, TrainConfig.defaults().mode());
        assertEquals(new PretrainConfig.Architecture(128, 384, 4, 4, 2, 512, true, 10000.0, 0.02),
                PretrainConfig.Architecture.DEFAULTS);
        assertEquals(new PretrainConfig(7, "models/arith-tiny", "models/arith-tiny", PretrainConfig.Architecture.DEFAULTS,
                TrainConfig.DataSection.DEFAULTS, 3, 32, 32, new TrainConfig.OptimizerSection(1e-3, 0.9, 0.98, 1e-8,
                0.01, 1.0, LrSchedule.Kind.WARMUP_COSINE, 100, 0.1), 200, 96, 3), PretrainConfig.DEFAULTS);
    }

    @Test
    void aFieldWithoutADefaultOrWithAnInvalidOneIsNamed() {
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> ConfigDefaults.of(Missing.class));
        assertTrue(missing.getMessage().contains("Missing.b has no @Default"), missing.getMessage());
        IllegalStateException invalid = assertThrows(IllegalStateException.class, () -> ConfigDefaults.of(Checked.class));
        assertTrue(invalid.getMessage().contains("positive must be >= 1"), invalid.getMessage());
    }
}
