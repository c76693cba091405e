package dev.thinktune.train;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.arch.Architecture;
import dev.thinktune.testing.TinyRun;
import dev.thinktune.tokenizer.ChatMlTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole ThinkTuning runs on a Qwen2 student: prompts in ChatML, full fine-tuning moves the q/k/v biases and saves
 * a Qwen2 checkpoint that loads again; adapters leave the biases as they were.
 */
class Qwen2TrainingRunTest {
    @TempDir
    Path tmp;

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private TrainConfig config(Path model, Path data, Path out, String... extra) {
        List<String> sets = new ArrayList<>(List.of("training.steps=2", "training.micro_batch_size=2",
                "optimizer.lr=0.01", "objective.beta=0.04"));
        sets.addAll(List.of(extra));
        return TinyRun.config(model, data, out, sets.toArray(String[]::new));
    }

    @Test
    void fullFineTuningTrainsTheBiasesAndSavesAQwen2Checkpoint() {
        Path model = TinyRun.qwen2Student(tmp), data = TinyRun.data(tmp);
        TrainingRun.Outcome run = new TrainingRun(config(model, data, tmp.resolve("full")), QUIET).run(false);
        ModelWeights before = HfCheckpoint.load(model);
        ModelWeights after = HfCheckpoint.load(run.finalModel());
        assertEquals(Architecture.QWEN2, after.config().architecture());
        assertEquals(before.config(), after.config());
        for (String bias : List.of("model.layers.0.self_attn.q_proj.bias", "model.layers.1.self_attn.k_proj.bias",
                "model.layers.1.self_attn.v_proj.bias")) {
            double moved = after.get(bias).sub(before.get(bias)).norm2Number().doubleValue();
            assertTrue(moved > 0, bias + " did not move");
        }
        // the run's prompts: ChatML, as the trainer's assets build them from the model directory
        var prompts = ModelAssets.load(model, "auto", "", "").prompts();
        String prompt = prompts.tokenizer().decode(prompts.encode("Mark has 2 apples.").ids());
        assertEquals("<|im_start|>user\nMark has 2 apples.<|im_end|>\n<|im_start|>assistant\n", prompt);
        assertEquals(3, prompts.endOfTurnId(), "a teacher's turn ends with <|im_end|>");
        assertTrue(prompts.stopIds(after.config().eosTokenIds()).containsAll(List.of(0, 3)),
                "stops on <|im_end|> and <|endoftext|>");
    }

    @Test
    void adaptersLeaveTheBiasesFrozen() {
        Path model = TinyRun.qwen2Student(tmp), data = TinyRun.data(tmp);
        TrainingRun.Outcome run = new TrainingRun(config(model, data, tmp.resolve("lora"), "model.lora.r=4",
                "model.lora.alpha=8"), QUIET).run(false);
        ModelWeights base = HfCheckpoint.load(model);
        LoraAdapters adapters = PeftAdapter.read(run.finalModel(), base.config());
        assertTrue(adapters.tensors().keySet().stream().noneMatch(n -> n.contains("bias")), "no adapter on a bias");
        boolean trained = false;
        for (Map.Entry<String, INDArray> e : adapters.tensors().entrySet()) {
            trained |= e.getKey().endsWith(LoraAdapters.B) && e.getValue().norm2Number().doubleValue() > 0;
        }
        assertTrue(trained, "the adapters moved");
        ModelWeights reread = HfCheckpoint.load(model);
        assertArrayEquals(base.get("model.layers.0.self_attn.q_proj.bias").data().asFloat(),
                reread.get("model.layers.0.self_attn.q_proj.bias").data().asFloat(), "the base is untouched");
    }
}
