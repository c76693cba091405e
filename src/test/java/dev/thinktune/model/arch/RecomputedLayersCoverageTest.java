package dev.thinktune.model.arch;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LayerActivations;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The recomputed decoder layer covers Llama's layers trained in full: it scores exactly as the op-by-op graph, and a
 * model with blocks it does not compute (Qwen2's biases, Qwen3's per-head norms) or trained through adapters is
 * refused with the reason, rather than trained without them.
 */
class RecomputedLayersCoverageTest {

    @Test
    void llamaLayersScoreTheSameTokensBitForBit() {
        ModelWeights llama = HfCheckpoint.load(Fixtures.model("tiny-llama3"));
        TokenBatch batch = TokenBatch.rightPadded(List.of(new int[]{1, 17, 33, 101, 7, 9, 42, 5},
                new int[]{1, 250, 3, 44, 12}), 0);
        float[] kept = StudentModel.of(llama).tokenLogprobs(batch).data().asFloat();
        float[] recomputed = StudentModel.of(llama, null, LayerActivations.RECOMPUTED).tokenLogprobs(batch).data()
                .asFloat();
        assertArrayEquals(kept, recomputed);
    }

    @Test
    void qwenBlocksAndAdaptersAreRefusedWithTheReason() {
        ModelWeights llama = HfCheckpoint.load(Fixtures.model("tiny-llama3"));
        IllegalArgumentException qwen2 = assertThrows(IllegalArgumentException.class,
                () -> StudentModel.of(QwenTesting.asQwen2(llama, 0f), null, LayerActivations.RECOMPUTED));
        assertEquals("recomputed layer activations cover full fine-tuning of Llama-style layers; this "
                + "Qwen2ForCausalLM cannot use them: its attention projections have biases", qwen2.getMessage());
        IllegalArgumentException qwen3 = assertThrows(IllegalArgumentException.class,
                () -> StudentModel.of(HfCheckpoint.load(QwenTesting.tinyQwen3()), null, LayerActivations.RECOMPUTED));
        assertEquals("recomputed layer activations cover full fine-tuning of Llama-style layers; this "
                + "Qwen3ForCausalLM cannot use them: its attention normalises queries and keys per head",
                qwen3.getMessage());
        LoraAdapters adapters = LoraAdapters.initialize(LoraConfig.DEFAULTS, llama.config(), 1);
        IllegalArgumentException lora = assertThrows(IllegalArgumentException.class,
                () -> StudentModel.of(llama, adapters, LayerActivations.RECOMPUTED));
        assertEquals("recomputed layer activations cover full fine-tuning of Llama-style layers; this "
                + "LlamaForCausalLM cannot use them: the model is trained through low-rank adapters", lora.getMessage());
    }
}
