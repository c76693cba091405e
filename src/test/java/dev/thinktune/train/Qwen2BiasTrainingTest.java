package dev.thinktune.train;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.model.arch.QwenTesting;
import dev.thinktune.rollout.RolloutEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen2's q/k/v biases (and Qwen3's head norms) in training: full fine-tuning trains them (the ThinkTuning loss's
 * gradient against central finite differences), LoRA leaves them frozen (constants of the graph), and the decoder
 * with adapters still agrees with the graph that trains them.
 */
class Qwen2BiasTrainingTest {

    /** The loss's inputs for the reference sequences, with old log-probs the model's own (every ratio 1). */
    private static Map<String, INDArray> placeholders(StudentModel m, List<int[]> seqs) {
        TokenBatch batch = TokenBatch.rightPadded(seqs, 0);
        int b = batch.batch(), t1 = batch.time() - 1;
        INDArray logp = m.tokenLogprobs(batch);
        Map<String, INDArray> ph = new HashMap<>(batch.placeholders());
        float[] response = new float[b * t1];
        for (int i = 0; i < b; i++) {
            for (int j = 2; j < t1; j++) {
                response[i * t1 + j] = 1;
            }
        }
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(17);
        ph.put(ThinkTuningLoss.RESPONSE_MASK, Nd4j.createFromArray(response).reshape(b, t1));
        ph.put(ThinkTuningLoss.TEACHER_MASK, Nd4j.zeros(b, t1));
        ph.put(ThinkTuningLoss.OLD_LOGPROBS, logp.dup());
        ph.put(ThinkTuningLoss.REF_LOGPROBS, logp.add(Nd4j.randn(rng, logp.shape()).castTo(logp.dataType()).muli(0.3)));
        ph.put(ThinkTuningLoss.ADVANTAGES, Nd4j.createFromArray(1.5f, -0.7f));
        ph.put(ThinkTuningLoss.ADV_MIN, Nd4j.scalar(-4f));
        ph.put(ThinkTuningLoss.ADV_MAX, Nd4j.scalar(4f));
        ph.put(ThinkTuningLoss.NUM_SEQUENCES, Nd4j.scalar((float) b));
        ph.put(ThinkTuningLoss.NUM_TOKENS, Nd4j.scalar((float) (b * (t1 - 2))));
        return ph;
    }

    private static List<int[]> sequences() {
        try (SafetensorsFile ref = QwenTesting.reference()) {
            return QwenTesting.referenceSequences(ref);
        }
    }

    static Stream<Arguments> familyTensors() {
        return Stream.of(
                Arguments.of("qwen2", List.of("model.layers.0.self_attn.q_proj.bias",
                        "model.layers.0.self_attn.k_proj.bias", "model.layers.1.self_attn.v_proj.bias")),
                Arguments.of("qwen3", List.of("model.layers.0.self_attn.q_norm.weight",
                        "model.layers.1.self_attn.k_norm.weight")));
    }

    /** The loss's gradient for Qwen2's biases and Qwen3's head norms, at entry 0 and the extreme entries. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("familyTensors")
    void theLossGradientMatchesFiniteDifferences(String family, List<String> tensors) {
        ModelWeights w = HfCheckpoint.load(family.equals("qwen2") ? QwenTesting.tinyQwen2() : QwenTesting.tinyQwen3());
        StudentModel m = StudentModel.of(w);
        Map<String, INDArray> ph = placeholders(m, sequences());
        ThinkTuningLoss.attach(m, new ObjectiveConfig(0.2, 0.2, 0.05, 1e-4, -1e-4, 0.01, -4, 4,
                ObjectiveConfig.AdvantageRange.FIXED, ObjectiveConfig.Reduction.SEQUENCE_MEAN));
        Map<String, INDArray> grads = new HashMap<>();
        new GradientRunner(m.graph(), new ArrayList<>(m.trainable().keySet()), List.of()).run(ph).gradients()
                .forEach((k, v) -> grads.put(k, v.dup())); // the runner's arrays are recycled by the next run
        double h = 1e-2;
        int checked = 0;
        for (String name : tensors) {
            INDArray g = grads.get(name);
            INDArray b = w.get(name);
            // entry 0 and the entries of the largest and the smallest gradient
            int[] entries = {0, g.argMax().getInt(0), g.neg().argMax().getInt(0)};
            for (int i : entries) {
                float orig = b.getFloat(i);
                b.putScalar(i, orig + h);
                double plus = loss(m, ph);
                b.putScalar(i, orig - h);
                double minus = loss(m, ph);
                b.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * h);
                double analytic = g.getDouble(i);
                assertEquals(numeric, analytic, 2e-4 + 1e-3 * Math.abs(numeric), name + "[" + i + "]");
                checked++;
            }
            assertTrue(g.norm2Number().doubleValue() > 1e-4, name + " has no gradient");
        }
        assertEquals(3 * tensors.size(), checked);
    }

    private static double loss(StudentModel m, Map<String, INDArray> ph) {
        return m.graph().output(ph, ThinkTuningLoss.LOSS).get(ThinkTuningLoss.LOSS).getDouble(0);
    }

    @Test
    void withAdaptersTheBiasesStayFrozenAndTheDecoderMatchesTheGraph() {
        ModelWeights w = HfCheckpoint.load(QwenTesting.tinyQwen2());
        LoraAdapters adapters = LoraAdapters.initialize(new LoraConfig(4, 8, 0, LoraConfig.MODULES), w.config(), 3);
        Random rng = Nd4j.getRandomFactory().getNewRandomInstance(8);
        adapters.tensors().forEach((k, a) -> a.addi(Nd4j.randn(rng, a.shape()).castTo(a.dataType()).muli(0.05)));
        StudentModel m = StudentModel.of(w, adapters);
        List<String> variables = m.graph().variables().stream()
                .filter(v -> v.getVariableType() == VariableType.VARIABLE).map(v -> v.name()).sorted().toList();
        assertEquals(adapters.tensors().keySet().stream().sorted().toList(), variables);
        assertEquals(VariableType.CONSTANT,
                m.graph().getVariable("model.layers.0.self_attn.q_proj.bias").getVariableType());
        assertTrue(StudentModel.of(w).trainable().containsKey("model.layers.0.self_attn.q_proj.bias"),
                "full fine-tuning trains the biases");

        List<int[]> seqs = sequences();
        float[] graph = m.tokenLogprobs(TokenBatch.rightPadded(seqs, 0)).data().asFloat();
        try (RolloutEngine engine = RolloutEngine.create(w, adapters, RolloutEngine.Options.defaults())) {
            List<float[]> decoded = engine.logprobs(seqs);
            int t1 = decoded.get(0).length;
            for (int s = 0; s < seqs.size(); s++) {
                for (int t = 0; t < t1; t++) {
                    assertEquals(graph[s * t1 + t], decoded.get(s)[t], 1e-4, "sequence " + s + ", token " + t);
                }
            }
        }
    }
}
