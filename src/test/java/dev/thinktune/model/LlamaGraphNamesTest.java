package dev.thinktune.model;

import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The student's graph names its ops and variables by the Hugging Face module they belong to. */
class LlamaGraphNamesTest {
    private static final List<String> NAMED = List.of("model.embed_tokens/lookup", "model.rotary_emb/cos",
            "model.layers.0.input_layernorm/out", "model.layers.0.self_attn/q_rot",
            "model.layers.0.self_attn/k_rot", "model.layers.1.self_attn/v_heads", "model.layers.1.self_attn/context",
            "model.layers.1.self_attn/context_lse", "model.layers.1.mlp/swiglu", "model.layers.1/mlp_residual",
            "model.norm/out", "lm_head/logits", "logprobs/token");

    @Test
    void everyOpSitsInTheScopeOfItsModuleAndKeyVariablesHaveReadableNames() {
        SameDiff sd = StudentModel.load(Fixtures.model("tiny-llama3")).graph();
        for (String name : NAMED) {
            assertTrue(sd.hasVariable(name), name + " missing");
        }
        List<String> unscoped = sd.getOps().keySet().stream().filter(n -> !n.contains("/"))
                .collect(Collectors.toList());
        // only the two outputs the trainers and tools read by their plain names, logits and token_logprobs
        assertEquals(List.of("reshape", "reshape_1"), unscoped.stream().sorted().collect(Collectors.toList()));
        assertEquals(List.of(LlamaGraph.LOGITS, LlamaGraph.TOKEN_LOGPROBS), unscoped.stream().sorted()
                .map(n -> sd.getOps().get(n).getOutputsOfOp().get(0)).collect(Collectors.toList()));
    }

    @Test
    void namesSurviveSaveAndLoad(@TempDir Path dir) {
        SameDiff sd = StudentModel.load(Fixtures.model("tiny-llama2")).graph();
        File file = dir.resolve("student.fb").toFile();
        sd.save(file, false);
        SameDiff loaded = SameDiff.load(file, false);
        for (String name : NAMED) {
            assertTrue(loaded.hasVariable(name), name + " lost in save/load");
        }
        assertEquals(sd.getOps().keySet(), loaded.getOps().keySet());
    }
}
