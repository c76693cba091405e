package dev.thinktune.train;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AAS weight's stop-gradient is what makes a teacher token's gradient {@code p/(p+c) * A * grad log p}.
 * Without it the gradient of {@code p/(p+c)} is {@code c p/(p+c)^2 * grad log p}: a different, much smaller push.
 */
class StopGradientTest {
    private static final String PARAM = "model.layers.0.self_attn.q_proj.weight";

    @Test
    void teacherTokenGradientIsFactorTimesGradLogProbOnlyWithTheStopGradient() {
        try (SafetensorsFile g = Fixtures.golden("tiny-llama3")) {
            ObjectiveConfig cfg = new ObjectiveConfig(0.2, 0.2, 0.0, 0.2, -0.2, 0.3, -1.5, 1.5,
                    ObjectiveConfig.AdvantageRange.FIXED, ObjectiveConfig.Reduction.TOKEN_MEAN);
            Map<String, INDArray> ph = ThinkTuningLossFixtureTest.placeholders(g, -1.5f, 1.5f);
            // every response token is a teacher token, every advantage positive: only the AAS branch counts
            INDArray m = ph.get(ThinkTuningLoss.RESPONSE_MASK);
            ph.put(ThinkTuningLoss.TEACHER_MASK, m.dup());
            ph.put(ThinkTuningLoss.ADVANTAGES, Nd4j.createFromArray(1.0f, 0.5f, 1.2f, 0.3f, 0.8f, 1.0f));

            INDArray withSg = gradient(ph, cfg, true);
            INDArray withoutSg = gradient(ph, cfg, false);
            INDArray expected = referenceGradient(ph, cfg);

            double errWith = Fixtures.relativeError(withSg.data().asFloat(), expected.data().asFloat());
            double errWithout = Fixtures.relativeError(withoutSg.data().asFloat(), expected.data().asFloat());
            assertTrue(errWith < 1e-4, "with stop-gradient: relative error " + errWith);
            assertTrue(errWithout > 0.3, "without stop-gradient the gradient must differ; relative error " + errWithout);
        }
    }

    private static INDArray gradient(Map<String, INDArray> ph, ObjectiveConfig cfg, boolean stopGradient) {
        StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model("tiny-llama3")));
        ThinkTuningLoss.attach(model.graph(), model.tokenLogprobsVariable(), cfg, stopGradient);
        return model.graph().calculateGradients(ph, List.of(PARAM)).get(PARAM);
    }

    /**
     * The gradient of {@code -sum_t K[t] * logp[t] / N} with constants {@code K = A * p/(p+c)} computed here
     * from the model's own log-probabilities: what the stop-gradient form must equal.
     */
    private static INDArray referenceGradient(Map<String, INDArray> ph, ObjectiveConfig cfg) {
        StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model("tiny-llama3")));
        Map<String, INDArray> inputs = new java.util.HashMap<>(ph);
        inputs.keySet().retainAll(List.of(dev.thinktune.model.LlamaGraph.INPUT_IDS,
                dev.thinktune.model.LlamaGraph.ATTENTION_MASK, dev.thinktune.model.LlamaGraph.POSITION_IDS));
        INDArray logp = model.graph().output(inputs, model.tokenLogprobsVariable().name())
                .get(model.tokenLogprobsVariable().name());
        INDArray m = ph.get(ThinkTuningLoss.RESPONSE_MASK);
        float[] adv = ph.get(ThinkTuningLoss.ADVANTAGES).data().asFloat();
        long b = logp.size(0), l = logp.size(1);
        INDArray k = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, b, l);
        for (int i = 0; i < b; i++) {
            double a = adv[i];
            double frac = (cfg.advMax() - a) / (cfg.advMax() - cfg.advMin());
            double c = Math.max(Math.min(cfg.c1() + (cfg.c2() - cfg.c1()) * frac, 0.2), -0.2);
            for (int j = 0; j < l; j++) {
                double p = Math.exp(logp.getDouble(i, j));
                k.putScalar(i, j, m.getDouble(i, j) * a * p / (p + c));
            }
        }
        SameDiff sd = model.graph();
        SDVariable kv = sd.constant("reference_weights", k);
        SDVariable loss = sd.sum(model.tokenLogprobsVariable().mul(kv)).div(m.sumNumber().doubleValue()).neg("reference_loss");
        sd.setLossVariables(loss);
        return sd.calculateGradients(inputs, List.of(PARAM)).get(PARAM);
    }
}
