package dev.thinktune.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchSizeTest {

    @Test
    void realShapesHaveThePublishedParameterCounts() {
        // the parameter counts the model cards publish (safetensors metadata of each hub checkpoint)
        assertEquals(134_515_008L, BenchSize.SMOLLM2_135M.config().parameterCount());
        assertEquals(1_235_814_400L, BenchSize.LLAMA_3_2_1B.config().parameterCount());
        assertEquals(3_212_749_824L, BenchSize.LLAMA_3_2_3B.config().parameterCount());
        // Qwen2.5-0.5B's model card: 0.49B parameters, 494,032,768 in its safetensors (q/k/v biases included)
        assertEquals(494_032_768L, BenchSize.QWEN2_5_0_5B.config().parameterCount());
        // SmolLM2-135M's layout with a 128,256-token vocabulary: 134.5M + (128,256 - 49,152) x 576
        assertEquals(134_515_008L + (128_256L - 49_152) * 576, BenchSize.SMOLLM2_135M_V128K.config().parameterCount());
        // tiny with an untied head: embedding and head both grow by (128,256 - 512) x 128
        assertEquals(BenchSize.TINY.config().parameterCount() + 2L * (128_256 - 512) * 128,
                BenchSize.TINY_V128K.config().parameterCount());
    }

    @Test
    void labelsAreFoundInAnyCaseAndUnknownOnesAreListed() {
        assertEquals(BenchSize.LLAMA_3_2_1B, BenchSize.of(" Llama-3.2-1B "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> BenchSize.of("llama-3.2-7b"));
        assertTrue(e.getMessage().contains("smollm2-135m"), e.getMessage());
    }

    @Test
    void llamaShapesListThreeEndOfTurnTokens() {
        assertEquals(3, BenchSize.LLAMA_3_2_1B.config().eosTokenIds().size());
        assertEquals(128_001, BenchSize.LLAMA_3_2_1B.config().primaryEosTokenId());
    }
}
