package dev.thinktune.train;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.DType;
import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The student graph with low-rank adapters, against references computed outside the adapter code: the base
 * model itself (B = 0), the base model with {@code W + (alpha/r) B A} merged by plain loops here, and the chain
 * rule applied to the weight gradients that torch autograd computed for the fixtures.
 */
class LoraGraphTest {
    private static final LoraConfig ALL = new LoraConfig(4, 8, 0.0, LoraConfig.MODULES);

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void zeroBGivesExactlyTheBaseModel(String name) {
        ModelWeights w = HfCheckpoint.load(Fixtures.model(name));
        LoraAdapters fresh = LoraAdapters.initialize(ALL, w.config(), 7);
        try (SafetensorsFile g = Fixtures.golden(name)) {
            TokenBatch batch = batch(g);
            float[] base = StudentModel.of(w).tokenLogprobs(batch).data().asFloat();
            float[] adapted = StudentModel.of(w, fresh).tokenLogprobs(batch).data().asFloat();
            assertArrayEquals(base, adapted);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void adaptersGiveTheLogprobsOfTheMergedWeights(String name) {
        ModelWeights w = HfCheckpoint.load(Fixtures.model(name));
        LoraAdapters adapters = random(ALL, w, 11);
        try (SafetensorsFile g = Fixtures.golden(name)) {
            TokenBatch batch = batch(g);
            float[] adapted = StudentModel.of(w, adapters).tokenLogprobs(batch).data().asFloat();
            float[] merged = StudentModel.of(merged(w, adapters)).tokenLogprobs(batch).data().asFloat();
            float[] base = StudentModel.of(w).tokenLogprobs(batch).data().asFloat();
            assertTrue(maxDiff(base, merged) > 1e-2, "the adapters change the model");
            assertTrue(maxDiff(adapted, merged) < 1e-4, "max |diff| " + maxDiff(adapted, merged));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void onlyTheAdaptersAreTrainable(String name) {
        ModelWeights w = HfCheckpoint.load(Fixtures.model(name));
        StudentModel m = StudentModel.of(w, LoraAdapters.initialize(ALL, w.config(), 1));
        List<String> variables = m.graph().variables().stream()
                .filter(v -> v.getVariableType() == VariableType.VARIABLE).map(v -> v.name()).sorted().toList();
        assertEquals(m.adapters().tensors().keySet().stream().sorted().toList(), variables);
        assertEquals(2L * 7 * w.config().numLayers(), variables.size());
    }

    /**
     * At B = 0 the adapted model is the base model, so torch's gradient G of the ThinkTuning loss for a weight W
     * gives the adapters' gradients by the chain rule: dL/dB = s G A^T and dL/dA = s B^T G = 0.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void gradientsAtZeroBAreTheChainRuleOfTorchsWeightGradients(String name) {
        ModelWeights w = HfCheckpoint.load(Fixtures.model(name));
        LoraAdapters adapters = LoraAdapters.initialize(ALL, w.config(), 3);
        StudentModel m = StudentModel.of(w, adapters);
        try (SafetensorsFile g = Fixtures.golden(name)) {
            ObjectiveConfig cfg = ThinkTuningLossFixtureTest.caseConfig(g, "paper");
            ThinkTuningLoss.attach(m, cfg);
            Map<String, INDArray> ph = ThinkTuningLossFixtureTest.placeholders(g, (float) cfg.advMin(),
                    (float) cfg.advMax());
            Map<String, INDArray> grads = new GradientRunner(m.graph(), new ArrayList<>(m.trainable().keySet()),
                    List.of()).run(ph).gradients();
            double s = ALL.scale();
            int checked = 0;
            for (String module : List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                    "model.layers.1.mlp.down_proj")) {
                INDArray gw = Nd4j.createFromArray(g.floats("loss_paper_grad." + module + ".weight"))
                        .reshape(w.get(module + ".weight").shape());
                float[] expectedB = times(gw, adapters.a(module).transpose(), s);
                double err = Fixtures.relativeError(grads.get(module + LoraAdapters.B).data().asFloat(), expectedB);
                assertTrue(err < 1e-4, module + " lora_B: relative error " + err);
                assertEquals(0.0, grads.get(module + LoraAdapters.A).norm2Number().doubleValue(), 0.0, module);
                checked++;
            }
            assertEquals(3, checked);
        }
    }

    /**
     * With B random, the adapters' gradients are the chain rule of the weight gradient of the merged model
     * (full fine-tuning's gradient, itself checked against torch): dL/dA = s B^T G', dL/dB = s G' A^T.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void gradientsAreTheChainRuleOfTheMergedModelsWeightGradients(String name) {
        ModelWeights w = HfCheckpoint.load(Fixtures.model(name));
        LoraAdapters adapters = random(ALL, w, 5);
        StudentModel adapted = StudentModel.of(w, adapters);
        StudentModel merged = StudentModel.of(merged(w, adapters));
        try (SafetensorsFile g = Fixtures.golden(name)) {
            ObjectiveConfig cfg = ThinkTuningLossFixtureTest.caseConfig(g, "wide");
            Map<String, INDArray> ph = ThinkTuningLossFixtureTest.placeholders(g, (float) cfg.advMin(),
                    (float) cfg.advMax());
            ThinkTuningLoss.attach(adapted, cfg);
            ThinkTuningLoss.attach(merged, cfg);
            Map<String, INDArray> ga = new GradientRunner(adapted.graph(),
                    new ArrayList<>(adapted.trainable().keySet()), List.of()).run(ph).gradients();
            Map<String, INDArray> gm = new GradientRunner(merged.graph(),
                    new ArrayList<>(merged.trainable().keySet()), List.of()).run(ph).gradients();
            double s = ALL.scale();
            for (String module : LoraAdapters.modules(ALL, w.config())) {
                INDArray gw = gm.get(module + ".weight");
                double errA = Fixtures.relativeError(ga.get(module + LoraAdapters.A).data().asFloat(),
                        times(adapters.b(module).transpose(), gw, s));
                double errB = Fixtures.relativeError(ga.get(module + LoraAdapters.B).data().asFloat(),
                        times(gw, adapters.a(module).transpose(), s));
                assertTrue(errA < 1e-3 && errB < 1e-3, module + ": relative errors " + errA + ", " + errB);
            }
        }
    }

    /**
     * Frozen bfloat16 matrices kept as stored give what the same checkpoint widened to float32 at load gives:
     * exactly the same log-probabilities, and the adapters' gradients to float rounding, on both fixtures and on a model whose vocabulary
     * spans several blocks of the head's widening.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2", "vocabulary-9000"})
    void frozenBfloat16WeightsGiveExactlyTheirFloat32Widening(String name, @TempDir Path tmp) {
        Path dir;
        String file;
        if (name.startsWith("vocabulary")) {
            dir = tmp.resolve("model");
            HfCheckpoint.save(dir, ModelWeights.initialize(LlamaConfig.of(9000, 16, 32, 1, 2, 1, 64, false, 0, 1),
                    0.5, 4), DType.BF16, Map.of());
            file = HfCheckpoint.WEIGHTS;
        } else {
            dir = Fixtures.model(name);
            file = "model-bf16.safetensors";
        }
        ModelWeights frozen = HfCheckpoint.loadFrozen(dir, file);
        ModelWeights widened = HfCheckpoint.load(dir, file);
        assertEquals(DataType.BFLOAT16, frozen.get("model.layers.0.mlp.up_proj.weight").dataType());
        LoraAdapters adapters = random(ALL, widened, 9);
        StudentModel a = StudentModel.of(frozen, adapters);
        StudentModel b = StudentModel.of(widened, adapters);
        int v = widened.config().vocabSize();
        Random rng = new Random(2);
        List<int[]> rows = List.of(rng.ints(12, 0, v).toArray(), rng.ints(9, 0, v).toArray());
        TokenBatch batch = TokenBatch.rightPadded(rows, 0);
        assertArrayEquals(b.tokenLogprobs(batch).data().asFloat(), a.tokenLogprobs(batch).data().asFloat());
        SDVariable lossA = a.graph().sum("loss", a.tokenLogprobsVariable());
        SDVariable lossB = b.graph().sum("loss", b.tokenLogprobsVariable());
        a.graph().setLossVariables(lossA);
        b.graph().setLossVariables(lossB);
        Map<String, INDArray> ga = new GradientRunner(a.graph(), new ArrayList<>(a.trainable().keySet()), List.of())
                .run(batch.placeholders()).gradients();
        Map<String, INDArray> gb = new GradientRunner(b.graph(), new ArrayList<>(b.trainable().keySet()), List.of())
                .run(batch.placeholders()).gradients();
        for (String k : gb.keySet()) {
            // the head's gradient sums over blocks of the vocabulary in turn: the same terms in another order
            double err = Fixtures.relativeError(ga.get(k).data().asFloat(), gb.get(k).data().asFloat());
            assertTrue(err < 1e-5, k + ": relative error " + err);
        }
    }

    /** Adapters with every A and B entry drawn uniformly in ±0.1 (seeded). */
    static LoraAdapters random(LoraConfig config, ModelWeights w, long seed) {
        Random rng = new Random(seed);
        Map<String, INDArray> t = new LinkedHashMap<>();
        LoraAdapters.shapes(config, w.config()).forEach((name, shape) -> {
            float[] v = new float[(int) (shape[0] * shape[1])];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rng.nextDouble() * 0.2 - 0.1);
            }
            t.put(name, Nd4j.createFromArray(v).reshape(shape));
        });
        return new LoraAdapters(config, w.config(), t);
    }

    /** The base weights with {@code W + scale * B A} on every adapted projection, by plain double loops. */
    static ModelWeights merged(ModelWeights w, LoraAdapters adapters) {
        ModelWeights out = w.copy();
        double s = adapters.config().scale();
        for (String module : LoraAdapters.modules(adapters.config(), w.config())) {
            INDArray target = out.get(module + ".weight");
            float[] a = adapters.a(module).data().asFloat(), b = adapters.b(module).data().asFloat();
            int r = adapters.config().r(), rows = (int) target.size(0), cols = (int) target.size(1);
            float[] wv = target.data().asFloat();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double sum = 0;
                    for (int k = 0; k < r; k++) {
                        sum += (double) b[i * r + k] * a[k * cols + j];
                    }
                    wv[i * cols + j] = (float) (wv[i * cols + j] + s * sum);
                }
            }
            target.assign(Nd4j.createFromArray(wv).reshape(rows, cols));
        }
        return out;
    }

    /** {@code s * x y} by plain double loops, flattened row-major. */
    private static float[] times(INDArray x, INDArray y, double s) {
        int n = (int) x.size(0), k = (int) x.size(1), m = (int) y.size(1);
        float[] out = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    sum += x.getDouble(i, l) * y.getDouble(l, j);
                }
                out[i * m + j] = (float) (s * sum);
            }
        }
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** The fixtures' loss batch (right-padded rows with their attention mask). */
    private static TokenBatch batch(SafetensorsFile g) {
        long[] shape = g.info("loss_input_ids").shape();
        int b = (int) shape[0], t = (int) shape[1];
        int[] attn = g.ints("loss_attention_mask");
        float[] mask = new float[attn.length];
        int[] pos = new int[b * t];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = attn[i];
            pos[i] = i % t;
        }
        return new TokenBatch(b, t, g.ints("loss_input_ids"), mask, pos);
    }
}
