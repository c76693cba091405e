package dev.thinktune.model;

import dev.thinktune.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint with a NaN or an infinity is refused at load, naming the tensor and the place. */
class FiniteWeightsTest {

    @Test
    void aNanWeightIsRefusedAtLoadNamingTheTensorAndItsIndex(@TempDir Path dir) {
        ModelWeights w = TestModels.tinyLlama3Widened(1024);
        String name = "model.layers.1.mlp.up_proj.weight";
        long[] shape = w.get(name).shape();
        w.get(name).putScalar(new long[]{2, 5}, Float.NaN);
        w.get(name).putScalar(new long[]{shape[0] - 1, 0}, Float.POSITIVE_INFINITY);
        HfCheckpoint.save(dir, w);
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("2 non-finite values (first: NaN at [2, 5])"), e.getMessage());
        assertTrue(e.getMessage().contains(FiniteWeights.ALLOW + "=1"), e.getMessage());
    }

    @Test
    void theDebugSwitchLetsItThroughAndFiniteWeightsPass(@TempDir Path dir) {
        ModelWeights w = TestModels.tinyLlama3Widened(1024);
        HfCheckpoint.save(dir, w);
        assertEquals(w.parameterCount(), HfCheckpoint.load(dir).parameterCount());
        w.get("model.norm.weight").putScalar(0, Float.NEGATIVE_INFINITY);
        FiniteWeights.require(dir, w.tensors(), true);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> FiniteWeights.require(dir, w.tensors(), false));
        assertTrue(e.getMessage().contains("'model.norm.weight' has 1 non-finite value (first: -Infinity at [0])"),
                e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DType.class, names = {"F32", "BF16"})
    void theSamplingCommandsDecoderRefusesThemToo(DType dtype, @TempDir Path dir) {
        ModelWeights w = TestModels.tinyLlama3Widened(1024);
        String name = "model.layers.0.self_attn.v_proj.weight";
        w.get(name).putScalar(new long[]{3, 7}, Float.NaN);
        HfCheckpoint.save(dir, w, dtype, java.util.Map.of());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> dev.thinktune.rollout.RolloutEngine.create(dir,
                        dev.thinktune.rollout.RolloutEngine.Options.defaults()).close());
        assertTrue(e.getMessage().contains("'" + name + "' has a non-finite value (first: NaN at [3, 7])"),
                e.getMessage());
    }
}
