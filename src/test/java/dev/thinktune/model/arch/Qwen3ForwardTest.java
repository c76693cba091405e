package dev.thinktune.model.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen3's forward pass (an RMSNorm over each query and key head before rotary, head_dim from the config) in both
 * executors against a torch implementation of transformers' modeling_qwen3.py, and its checkpoints.
 */
class Qwen3ForwardTest {

    private static float[] graph(ModelWeights w, List<int[]> seqs) {
        return StudentModel.of(w).tokenLogprobs(TokenBatch.rightPadded(seqs, 0)).data().asFloat();
    }

    @Test
    void bothExecutorsMatchTheTorchReference() {
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen3());
        assertEquals(Architecture.QWEN3, w.config().architecture());
        assertEquals(16, w.config().headDim(), "head_dim from the config, not hidden / heads");
        try (SafetensorsFile ref = QwenTesting.referenceQwen3();
             RolloutEngine engine = RolloutEngine.create(w)) {
            List<int[]> seqs = QwenTesting.referenceSequences(ref);
            float[] expected = ref.floats("token_logprobs");
            float[] graph = graph(w, seqs);
            List<float[]> decoded = engine.logprobs(seqs);
            int t1 = decoded.get(0).length;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], graph[i], 1e-4, "graph, token " + i);
                assertEquals(expected[i], decoded.get(i / t1)[i % t1], 1e-4, "decoder, token " + i);
            }
            float[] logits = StudentModel.of(w).logits(TokenBatch.rightPadded(seqs, 0)).data().asFloat();
            assertTrue(Fixtures.relativeError(logits, ref.floats("logits")) < 1e-5);
            // the head norms matter: with their weights at 1 the log-probs leave the reference
            ModelWeights plain = w.copy();
            plain.tensors().forEach((k, v) -> {
                if (k.endsWith("q_norm.weight") || k.endsWith("k_norm.weight")) {
                    v.assign(1);
                }
            });
            assertTrue(Fixtures.relativeError(graph(plain, seqs), expected) > 1e-3, "the head norms do not matter");
        }
    }

    @Test
    void aQwen3CheckpointSavesAndLoadsWithItsHeadNorms(@TempDir Path tmp) throws IOException {
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen3());
        assertEquals(TensorSpec.Init.NORM_ONES, w.config().tensors().stream()
                .filter(t -> t.name().equals("model.layers.1.self_attn.k_norm.weight")).findFirst().orElseThrow()
                .init());
        assertArrayEquals(new long[]{16}, w.get("model.layers.1.self_attn.q_norm.weight").shape());
        HfCheckpoint.save(tmp.resolve("saved"), w);
        ModelWeights back = HfCheckpoint.load(tmp.resolve("saved"));
        assertEquals(w.config(), back.config());
        assertArrayEquals(w.get("model.layers.0.self_attn.k_norm.weight").data().asFloat(),
                back.get("model.layers.0.self_attn.k_norm.weight").data().asFloat());
        var json = new ObjectMapper().readTree(tmp.resolve("saved").resolve("config.json").toFile());
        assertEquals("qwen3", json.get("model_type").asText());
        assertEquals(16, json.get("head_dim").asInt());
        assertTrue(w.config().tensors().stream().noneMatch(t -> t.name().endsWith(".bias")), "no biases");
    }
}
