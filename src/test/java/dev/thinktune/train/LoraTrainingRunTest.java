package dev.thinktune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.testing.TinyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole ThinkTuning runs that train low-rank adapters: PEFT files in checkpoints and final/, exact resume. */
class LoraTrainingRunTest {
    @TempDir
    Path tmp;

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private Path modelDir() {
        return TinyRun.student(tmp);
    }

    private Path data() {
        return TinyRun.data(tmp);
    }

    private TrainConfig config(Path model, Path data, Path out, int steps) {
        return TinyRun.config(model, data, out, "training.steps=" + steps, "training.micro_batch_size=2",
                "optimizer.lr=0.01", "objective.beta=0.04", "model.lora.r=4", "model.lora.alpha=8",
                "model.lora.target_modules=[q_proj, v_proj, down_proj]");
    }

    @Test
    void setOverridesTurnAdaptersOnWithTheOtherFieldsAtTheirDefaults() {
        TrainConfig c = ConfigLoader.load(List.of("model.lora.r=8"));
        assertEquals(8, c.model().lora().r());
        assertEquals(32.0, c.model().lora().alpha());
        assertEquals(7, c.model().lora().targetModules().size());
        assertEquals(null, ConfigLoader.load(List.of()).model().lora(), "absent: full fine-tuning");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(List.of("model.lora.target_modules=[q_proj, lm_head]")));
        assertTrue(e.getMessage().contains("lm_head") && e.getMessage().contains("q_proj, k_proj"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(List.of("model.lora.r=0")));
        assertTrue(e.getMessage().contains("model.lora.r = 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(List.of("model.lora.dropout=0.1")));
        assertTrue(e.getMessage().contains("model.lora.dropout = 0.1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(List.of("model.lora.rank=8")));
        assertTrue(e.getMessage().contains("'model.lora.rank'") && e.getMessage().contains("r"), e.getMessage());
    }

    @Test
    void aStoppedAndResumedLoraRunEndsWithTheAdaptersOfOneThatNeverStopped() throws IOException {
        Path model = modelDir(), data = data();
        TrainingRun.Outcome straight = new TrainingRun(config(model, data, tmp.resolve("a"), 4), QUIET).run(false);
        new TrainingRun(config(model, data, tmp.resolve("b"), 2), QUIET).run(false);
        TrainingRun.Outcome resumed = new TrainingRun(config(model, data, tmp.resolve("b"), 4), QUIET).run(true);
        assertEquals(straight.state(), resumed.state());
        assertEquals(Files.readString(straight.metricsFile()), Files.readString(resumed.metricsFile()));

        // final/ and every checkpoint hold PEFT's files, not a model
        for (Path dir : List.of(straight.finalModel(), resumed.checkpoint())) {
            assertTrue(Files.isRegularFile(dir.resolve(PeftAdapter.CONFIG)), dir.toString());
            assertTrue(Files.isRegularFile(dir.resolve(PeftAdapter.WEIGHTS)), dir.toString());
            assertFalse(Files.exists(dir.resolve(HfCheckpoint.WEIGHTS)), "no copy of the frozen weights in " + dir);
        }
        JsonNode cfg = new ObjectMapper().readTree(straight.finalModel().resolve(PeftAdapter.CONFIG).toFile());
        assertEquals(model.toString(), cfg.get("base_model_name_or_path").asText());
        ModelWeights base = HfCheckpoint.load(model);
        LoraAdapters a = PeftAdapter.read(straight.finalModel(), base.config());
        LoraAdapters b = PeftAdapter.read(resumed.finalModel(), base.config());
        boolean trained = false;
        for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : a.tensors().entrySet()) {
            float[] x = e.getValue().data().asFloat();
            assertArrayEquals(x, b.tensors().get(e.getKey()).data().asFloat(), 0f, e.getKey());
            if (e.getKey().endsWith(LoraAdapters.B)) {
                trained |= e.getValue().norm2Number().doubleValue() > 0;
            }
        }
        assertTrue(trained, "the updates moved B away from zero");
        // the run's KL is measured against the base: nonzero once the adapters moved
        List<Double> kl = new ArrayList<>();
        MetricsLog.read(straight.metricsFile()).forEach(r -> kl.add(r.get("kl")));
        // the reference is the base with the adapters off: once they have moved, the policy is measurably apart
        assertTrue(kl.stream().allMatch(k -> k >= 0) && kl.get(3) > 0, "KL by step: " + kl);
        try (SafetensorsFile st = SafetensorsFile.open(straight.finalModel().resolve(PeftAdapter.WEIGHTS))) {
            assertTrue(st.tensors().containsKey("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
            assertEquals(2 * 3 * 2, st.tensors().size(), "2 layers x 3 modules x A and B");
        }
    }
}
