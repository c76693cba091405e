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

    /**
     * A pass that adds the gradients into sums (the ops adding the embedding's, the head's and the recomputed
     * layers' as they compute them) leaves each sum at what it held plus the gradient a plain pass returns, pass
     * after pass, and a plain pass after it still returns every gradient whole.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny-llama3,KEPT", "tiny-llama3,RECOMPUTED", "tiny-llama2,KEPT", "tiny-llama2,RECOMPUTED"})
    void gradientsAddedAsComputedEqualTheReturnedOnesAddedToTheSums(String modelName, LayerActivations activations) {
        try (SafetensorsFile g = Fixtures.golden(modelName)) {
            ObjectiveConfig cfg = caseConfig(g, "paper");
            Map<String, INDArray> ph = placeholders(g, (float) cfg.advMin(), (float) cfg.advMax());
            StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model(modelName)), null, activations);
            ThinkTuningLoss.attach(model, cfg);
            List<String> names = new ArrayList<>(model.trainable().keySet());
            var runner = new dev.thinktune.model.GradientRunner(model.graph(), names, List.of(ThinkTuningLoss.LOSS));
            Map<String, float[]> plain = new HashMap<>();
            float plainLoss;
            try (var r = runner.run(ph)) {
                r.gradients().forEach((n, arr) -> plain.put(n, arr.data().asFloat()));
                plainLoss = r.outputs().get(ThinkTuningLoss.LOSS).getFloat(0);
            }
            Map<String, INDArray> sums = new HashMap<>();
            Map<String, float[]> start = new HashMap<>();
            for (String n : names) {
                INDArray s = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, model.trainable().get(n).shape())
                        .subi(0.5);
                sums.put(n, s);
                start.put(n, s.data().asFloat());
            }
            for (int pass = 1; pass <= 2; pass++) {
                try (var r = runner.accumulate(ph, sums)) {
                    assertTrue(r.gradients().isEmpty());
                    assertEquals(plainLoss, r.outputs().get(ThinkTuningLoss.LOSS).getFloat(0), 1e-6 * Math.abs(plainLoss));
                }
                for (String n : names) {
                    float[] expected = start.get(n).clone();
                    float[] grad = plain.get(n);
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] += pass * grad[i];
                    }
                    double err = Fixtures.relativeError(sums.get(n).data().asFloat(), expected);
                    assertTrue(err < 1e-5, "pass " + pass + ", sum of " + n + ": relative error " + err);
                }
            }
            try (var r = runner.run(ph)) {
                for (String n : names) {
                    double err = Fixtures.relativeError(r.gradients().get(n).data().asFloat(), plain.get(n));
                    assertTrue(err < 1e-6, "plain pass after, " + n + ": " + err);
                }
            }
            // which gradients the ops added as they computed them: the embedding's and the head's always, every
            // layer weight's when the layer is one recomputed op; the pass returns a one-element zero for each
            Map<String, INDArray> returned = new HashMap<>();
            java.util.Set<String> added = dev.thinktune.model.ops.GradientTargets.during(sums,
                    () -> runner.run(ph).gradients().forEach((n, arr) -> returned.put(n, arr.dup())));
            List<String> expectedAdded = new ArrayList<>(List.of("model.embed_tokens.weight"));
            if (names.contains("lm_head.weight")) {
                expectedAdded.add("lm_head.weight");
            }
            if (activations == LayerActivations.RECOMPUTED) {
                names.stream().filter(n -> n.startsWith("model.layers.")).forEach(expectedAdded::add);
            }
            assertEquals(new java.util.TreeSet<>(expectedAdded), new java.util.TreeSet<>(added));
            for (String n : added) {
                assertEquals(1, returned.get(n).length(), n);
                assertEquals(0f, returned.get(n).getFloat(0), n);
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
