package dev.thinktune.train;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.LayerActivations;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss graph against torch autograd on a Hugging Face model: value, per-token parts and gradients. */
class ThinkTuningLossFixtureTest {

    static ObjectiveConfig caseConfig(SafetensorsFile g, String name) {
        float[] hp = g.floats("loss_" + name + "_hparams");
        ObjectiveConfig.Reduction red = name.equals("tokenmean")
                ? ObjectiveConfig.Reduction.TOKEN_MEAN : ObjectiveConfig.Reduction.SEQUENCE_MEAN;
        return new ObjectiveConfig(hp[0], hp[1], hp[2], hp[3], hp[4], hp[5], hp[6], hp[7],
                ObjectiveConfig.AdvantageRange.FIXED, red);
    }

    static Map<String, INDArray> placeholders(SafetensorsFile g, float advMin, float advMax) {
        long[] shape = g.info("loss_input_ids").shape();
        int b = (int) shape[0], t = (int) shape[1];
        int[] attn = g.ints("loss_attention_mask");
        float[] mask = new float[attn.length];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = attn[i];
        }
        int[] pos = new int[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                pos[i * t + j] = j; // transformers' default positions without position_ids
            }
        }
        Map<String, INDArray> ph = new HashMap<>(new TokenBatch(b, t, g.ints("loss_input_ids"), mask, pos)
                .placeholders());
        float[] resp = g.floats("loss_response_mask");
        ph.put(ThinkTuningLoss.RESPONSE_MASK, Nd4j.createFromArray(resp).reshape(b, t - 1));
        ph.put(ThinkTuningLoss.TEACHER_MASK, Nd4j.createFromArray(g.floats("loss_teacher_mask")).reshape(b, t - 1));
        ph.put(ThinkTuningLoss.OLD_LOGPROBS, Nd4j.createFromArray(g.floats("loss_old_logprobs")).reshape(b, t - 1));
        ph.put(ThinkTuningLoss.REF_LOGPROBS, Nd4j.createFromArray(g.floats("loss_ref_logprobs")).reshape(b, t - 1));
        ph.put(ThinkTuningLoss.ADVANTAGES, Nd4j.createFromArray(g.floats("loss_advantages")));
        ph.put(ThinkTuningLoss.ADV_MIN, Nd4j.scalar(advMin));
        ph.put(ThinkTuningLoss.ADV_MAX, Nd4j.scalar(advMax));
        float tokens = 0;
        for (float v : resp) {
            tokens += v;
        }
        ph.put(ThinkTuningLoss.NUM_SEQUENCES, Nd4j.scalar((float) b));
        ph.put(ThinkTuningLoss.NUM_TOKENS, Nd4j.scalar(tokens));
        return ph;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"tiny-llama3,paper,KEPT", "tiny-llama3,wide,KEPT", "tiny-llama3,tokenmean,KEPT",
            "tiny-llama2,paper,KEPT", "tiny-llama2,wide,KEPT", "tiny-llama2,tokenmean,KEPT",
            "tiny-llama3,paper,RECOMPUTED", "tiny-llama2,wide,RECOMPUTED", "tiny-llama3,tokenmean,RECOMPUTED"})
    void lossValuePartsAndGradientsMatchTorchAutograd(String modelName, String caseName,
                                                     LayerActivations activations) {
        StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model(modelName)), null, activations);
        try (SafetensorsFile g = Fixtures.golden(modelName)) {
            ObjectiveConfig cfg = caseConfig(g, caseName);
            ThinkTuningLoss.attach(model, cfg);
            Map<String, INDArray> ph = placeholders(g, (float) cfg.advMin(), (float) cfg.advMax());
            Map<String, INDArray> out = model.graph().output(ph, ThinkTuningLoss.LOSS, ThinkTuningLoss.C,
                    ThinkTuningLoss.W, ThinkTuningLoss.KEEP, ThinkTuningLoss.SURROGATE, ThinkTuningLoss.K3);

            float golden = g.floats("loss_" + caseName + "_value")[0];
            float loss = out.get(ThinkTuningLoss.LOSS).getFloat(0);
            assertTrue(Math.abs(loss - golden) / Math.abs(golden) < 1e-4, "loss " + loss + " vs " + golden);

            float[] m = g.floats("loss_response_mask");
            int b = (int) g.info("loss_response_mask").shape()[0];
            int l = m.length / b;
            assertPartClose("c", broadcastRows(out.get(ThinkTuningLoss.C), b, l), g.floats("loss_" + caseName + "_c"), null);
            assertPartClose("keep", out.get(ThinkTuningLoss.KEEP).data().asFloat(), g.floats("loss_" + caseName + "_keep"), null);
            assertPartClose("w", out.get(ThinkTuningLoss.W).data().asFloat(), g.floats("loss_" + caseName + "_w"), m);
            assertPartClose("surrogate", out.get(ThinkTuningLoss.SURROGATE).data().asFloat(),
                    g.floats("loss_" + caseName + "_surrogate"), m);
            assertPartClose("k3", out.get(ThinkTuningLoss.K3).data().asFloat(), g.floats("loss_" + caseName + "_k3"), m);

            List<String> names = new ArrayList<>();
            String prefix = "loss_" + caseName + "_grad.";
            g.tensors().keySet().stream().filter(k -> k.startsWith(prefix)).forEach(k -> names.add(k.substring(prefix.length())));
            assertTrue(names.size() >= 6, "fixture names gradients");
            Map<String, INDArray> grads = new dev.thinktune.model.GradientRunner(model.graph(), names, List.of())
                    .run(ph).gradients();
            for (String n : names) {
                double err = Fixtures.relativeError(grads.get(n).data().asFloat(), g.floats(prefix + n));
                assertTrue(err < 1e-4, "gradient of " + n + ": relative error " + err);
            }
        }
    }

    /**
     * Every parameter's gradient (not only those the fixture names) is the same with the layers' activations
     * recomputed as with them kept, and so is the loss: the recomputed layer runs the same ops.
     */
    @ParameterizedTest
    @CsvSource({"tiny-llama3", "tiny-llama2"})
    void recomputedLayersGiveEveryParameterTheKeptGraphsGradient(String modelName) {
        try (SafetensorsFile g = Fixtures.golden(modelName)) {
            ObjectiveConfig cfg = caseConfig(g, "paper");
            Map<String, INDArray> ph = placeholders(g, (float) cfg.advMin(), (float) cfg.advMax());
            List<Map<String, float[]>> grads = new ArrayList<>();
            List<Float> losses = new ArrayList<>();
            for (LayerActivations a : LayerActivations.values()) {
                StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model(modelName)), null, a);
                ThinkTuningLoss.attach(model, cfg);
                List<String> names = new ArrayList<>(model.trainable().keySet());
                var r = new dev.thinktune.model.GradientRunner(model.graph(), names, List.of(ThinkTuningLoss.LOSS))
                        .run(ph);
                Map<String, float[]> byName = new HashMap<>();
                r.gradients().forEach((n, arr) -> byName.put(n, arr.data().asFloat()));
                grads.add(byName);
                losses.add(r.outputs().get(ThinkTuningLoss.LOSS).getFloat(0));
            }
            assertTrue(Math.abs(losses.get(0) - losses.get(1)) <= 1e-6 * Math.abs(losses.get(0)),
                    "loss " + losses);
            assertTrue(grads.get(0).size() >= 20, "every parameter: " + grads.get(0).keySet());
            assertEquals(grads.get(0).keySet(), grads.get(1).keySet());
            for (String n : grads.get(0).keySet()) {
                double err = Fixtures.relativeError(grads.get(1).get(n), grads.get(0).get(n));
                assertTrue(err < 1e-5, "gradient of " + n + ": relative error " + err);
            }
        }
    }

    /** A [B, 1] array repeated over L columns, flattened row-major. */
    static float[] broadcastRows(INDArray col, int b, int l) {
        float[] v = col.data().asFloat();
        float[] out = new float[b * l];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < l; j++) {
                out[i * l + j] = v[i];
            }
        }
        return out;
    }

    /** max |diff| / max(|golden|, 1e-6) over the positions where {@code where} is non-zero (all when null). */
    static void assertPartClose(String part, float[] actual, float[] golden, float[] where) {
        double num = 0, den = 0;
        for (int i = 0; i < golden.length; i++) {
            if (where != null && where[i] == 0) {
                continue;
            }
            num = Math.max(num, Math.abs(actual[i] - golden[i]));
            den = Math.max(den, Math.abs(golden[i]));
        }
        assertTrue(num / Math.max(den, 1e-6) < 1e-4, part + ": relative error " + num / Math.max(den, 1e-6));
    }
}
