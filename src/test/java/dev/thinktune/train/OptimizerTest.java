package dev.thinktune.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AdamW, clipping and schedules against formulas written out by hand in double precision. */
class OptimizerTest {
    @TempDir
    Path tmp;

    @Test
    void adamWMatchesTheTorchFormulaOverThreeSteps() {
        double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1;
        double[] p = {0.5, -1.0, 2.0, 0.0};
        double[][] grads = {{0.1, -0.2, 0.3, 0.0}, {0.05, 0.1, -0.4, 1.0}, {-0.3, 0.2, 0.1, -1.0}};
        double[] m = new double[4], v = new double[4];
        INDArray param = Nd4j.createFromArray(new float[]{0.5f, -1f, 2f, 0f}).reshape(2, 2);
        Map<String, INDArray> params = new LinkedHashMap<>(Map.of("w", param));
        AdamW adam = new AdamW(b1, b2, eps, wd);
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < 4; i++) {
                double g = grads[t - 1][i];
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
            float[] g = new float[4];
            for (int i = 0; i < 4; i++) {
                g[i] = (float) grads[t - 1][i];
            }
            adam.apply(params, new LinkedHashMap<>(Map.of("w", Nd4j.createFromArray(g).reshape(2, 2))), lr);
        }
        float[] got = param.data().asFloat();
        for (int i = 0; i < 4; i++) {
            assertEquals(p[i], got[i], 1e-6, "parameter " + i);
        }
    }

    /**
     * Accumulated gradients handed back between updates are allocated again, zeroed, by the next one: the
     * parameters come out bit for bit as from an optimizer that kept them.
     */
    @Test
    void accumulatedGradientsHandedBackBetweenUpdatesChangeNothing() {
        TrainConfig.OptimizerSection opt = ConfigLoader.load(java.util.List.of()).optimizer();
        Map<String, INDArray> kept = new LinkedHashMap<>(Map.of("w", Nd4j.createFromArray(0.5f, -1f, 2f, 0f, 3f, 1f)
                .reshape(2, 3), "b", Nd4j.createFromArray(0.1f, 0.2f)));
        Map<String, INDArray> handed = new LinkedHashMap<>();
        kept.forEach((k, v) -> handed.put(k, v.dup()));
        OptimizerStep keeping = new OptimizerStep(kept, opt, 10), handing = new OptimizerStep(handed, opt, 10);
        assertTrue(!handing.handBackSums(Long.MAX_VALUE), "under the threshold nothing goes back");
        SplittableRandom rng = new SplittableRandom(3);
        for (int update = 0; update < 3; update++) {
            keeping.reset();
            handing.reset();
            for (int micro = 0; micro < 2; micro++) {
                for (String k : kept.keySet()) {
                    float[] g = new float[(int) kept.get(k).length()];
                    for (int i = 0; i < g.length; i++) {
                        g[i] = (float) (rng.nextDouble() - 0.5);
                    }
                    INDArray grad = Nd4j.createFromArray(g).reshape(kept.get(k).shape());
                    keeping.sums().get(k).addi(grad);
                    handing.sums().get(k).addi(grad);
                }
            }
            assertEquals(keeping.apply(0.5).gradNorm(), handing.apply(0.5).gradNorm());
            assertTrue(handing.handBackSums(0));
            assertTrue(handing.sums().isEmpty(), "freed until the next update");
        }
        for (String k : kept.keySet()) {
            assertArrayEquals(kept.get(k).data().asFloat(), handed.get(k).data().asFloat(), k);
        }
    }

    @Test
    void aLargeParameterIsUpdatedInChunksAsTheFormulaSays() {
        // 40,013 elements: several chunks of the parallel update and a tail shorter than a vector
        int rows = 13, cols = 3_078;
        double lr = 3e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        SplittableRandom rng = new SplittableRandom(5);
        int n = rows * cols + 1;
        INDArray param = Nd4j.createUninitialized(DataType.FLOAT, n);
        double[] p = new double[n], m = new double[n], v = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = (float) rng.nextGaussian();
            param.putScalar(i, p[i]);
        }
        INDArray matrix = Nd4j.createUninitialized(DataType.FLOAT, rows, cols).assign(0.25);
        double[] q = new double[rows * cols];
        java.util.Arrays.fill(q, 0.25);
        double[] mq = new double[q.length], vq = new double[q.length];
        AdamW adam = new AdamW(b1, b2, eps, wd);
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("vector", param);
        params.put("matrix", matrix);
        for (int t = 1; t <= 3; t++) {
            float[] g = new float[n], gq = new float[q.length];
            for (int i = 0; i < n; i++) {
                g[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-4, 2)));
            }
            for (int i = 0; i < q.length; i++) {
                gq[i] = (float) rng.nextGaussian();
            }
            reference(p, m, v, g, t, lr, b1, b2, eps, 0);    // a vector: no weight decay
            reference(q, mq, vq, gq, t, lr, b1, b2, eps, wd);
            Map<String, INDArray> grads = new LinkedHashMap<>();
            grads.put("vector", Nd4j.createFromArray(g));
            grads.put("matrix", Nd4j.createFromArray(gq).reshape(rows, cols));
            adam.apply(params, grads, lr);
        }
        float[] got = param.data().asFloat(), gotQ = matrix.data().asFloat();
        for (int i = 0; i < n; i++) {
            assertEquals(p[i], got[i], 1e-6 * (1 + Math.abs(p[i])), "vector " + i);
        }
        for (int i = 0; i < q.length; i++) {
            assertEquals(q[i], gotQ[i], 1e-6, "matrix " + i);
        }
    }

    /** torch.optim.AdamW's step {@code t} in double precision. */
    private static void reference(double[] p, double[] m, double[] v, float[] g, int t, double lr, double b1,
                                  double b2, double eps, double wd) {
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps);
        }
    }

    @Test
    void parametersOfDifferentSizesUpdateAsIfEachHadItsOwnOptimizer() {
        SplittableRandom rng = new SplittableRandom(3);
        Map<String, INDArray> together = new LinkedHashMap<>();
        together.put("small", Nd4j.rand(DataType.FLOAT, 3));
        together.put("large", Nd4j.rand(DataType.FLOAT, 4, 5));
        together.put("middle", Nd4j.rand(DataType.FLOAT, 2, 3));
        Map<String, INDArray> alone = new LinkedHashMap<>();
        Map<String, AdamW> own = new LinkedHashMap<>();
        together.forEach((k, v) -> {
            alone.put(k, v.dup());
            own.put(k, new AdamW(0.9, 0.95, 1e-8, 0.1));
        });
        AdamW shared = new AdamW(0.9, 0.95, 1e-8, 0.1);
        for (int step = 0; step < 3; step++) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            together.forEach((k, v) -> {
                float[] g = new float[(int) v.length()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) rng.nextGaussian();
                }
                grads.put(k, Nd4j.createFromArray(g).reshape(v.shape()));
            });
            grads.forEach((k, g) -> own.get(k).apply(Map.of(k, alone.get(k)), new LinkedHashMap<>(Map.of(k, g.dup())), 0.01));
            shared.apply(together, grads, 0.01);
        }
        together.forEach((k, v) -> assertArrayEquals(alone.get(k).data().asFloat(), v.data().asFloat(), k));
    }

    @Test
    void optimizerStateRoundTripsThroughItsFile() {
        INDArray w = Nd4j.createFromArray(new float[]{1f, 2f, 3f});
        Map<String, INDArray> params = Map.of("w", w);
        AdamW a = new AdamW(0.9, 0.999, 1e-8, 0);
        a.apply(params, new LinkedHashMap<>(Map.of("w", Nd4j.createFromArray(new float[]{0.1f, 0.2f, 0.3f}))), 0.1);
        a.save(tmp.resolve("opt.safetensors"), Map.of());
        AdamW b = new AdamW(0.9, 0.999, 1e-8, 0);
        b.load(tmp.resolve("opt.safetensors"));
        INDArray w1 = w.dup(), w2 = w.dup();
        a.apply(Map.of("w", w1), new LinkedHashMap<>(Map.of("w", Nd4j.createFromArray(new float[]{-0.1f, 0.5f, 0f}))), 0.1);
        b.apply(Map.of("w", w2), new LinkedHashMap<>(Map.of("w", Nd4j.createFromArray(new float[]{-0.1f, 0.5f, 0f}))), 0.1);
        assertEquals(a.step(), b.step());
        assertArrayEquals(w1.data().asFloat(), w2.data().asFloat(), 0f);
    }

    @Test
    void globalNormClippingScalesEveryGradientTogether() {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("a", Nd4j.createFromArray(new float[]{3f, 0f}));
        g.put("b", Nd4j.createFromArray(new float[]{0f, 4f}));
        assertEquals(5.0, GradientClipping.clip(g, 1.0), 1e-6);
        assertEquals(1.0, GradientClipping.globalNorm(g), 1e-5);
        assertEquals(0.6, g.get("a").getDouble(0), 1e-5);
    }

    @Test
    void clippingLargeAndStridedGradientsMatchesADoubleLoop() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] big = new float[40_013];                       // several chunks and a tail
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) rng.nextDouble(-2, 2);
        }
        INDArray strided = Nd4j.rand(DataType.FLOAT, 37, 11).transpose();   // a view: not dense
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("big", Nd4j.createFromArray(big));
        g.put("strided", strided);
        g.put("bf16", Nd4j.createFromArray(new float[]{1.5f, -2.5f}).castTo(DataType.BFLOAT16));
        double sq = 0;
        for (float x : big) {
            sq += (double) x * x;
        }
        float[] st = strided.dup('c').data().asFloat();
        for (float x : st) {
            sq += (double) x * x;
        }
        sq += 1.5 * 1.5 + 2.5 * 2.5;
        double norm = Math.sqrt(sq);
        assertEquals(norm, GradientClipping.globalNorm(g), 1e-6 * norm);
        assertEquals(norm, GradientClipping.clip(g, 2.0), 1e-6 * norm);
        double scale = 2.0 / (norm + 1e-6);
        float[] scaled = g.get("big").data().asFloat();
        for (int i = 0; i < big.length; i += 997) {
            assertEquals(big[i] * scale, scaled[i], 1e-6, "element " + i);
        }
        assertEquals(big[big.length - 1] * scale, scaled[big.length - 1], 1e-6, "the last element");
        assertEquals(st[5] * scale, g.get("strided").dup('c').data().asFloat()[5], 1e-6);
        assertEquals(2.0, GradientClipping.globalNorm(g), 1e-4);

        g.get("big").putScalar(12_345, Float.NaN);
        assertTrue(Double.isNaN(GradientClipping.clip(g, 1.0)), "a NaN gradient gives a NaN norm");
    }

    @Test
    void warmupCosineSchedule() {
        LrSchedule s = new LrSchedule(LrSchedule.Kind.WARMUP_COSINE, 1.0, 10, 110, 0.1);
        assertEquals(0.1, s.at(1), 1e-12);
        assertEquals(1.0, s.at(10), 1e-12);
        assertEquals(0.1 + 0.9 * 0.5, s.at(60), 1e-12);
        assertEquals(0.1, s.at(110), 1e-12);
        assertEquals(0.3, new LrSchedule(LrSchedule.Kind.CONSTANT, 0.3, 0, 5, 0).at(4), 0);
    }

    @Test
    void questionOrderVisitsEveryQuestionOncePerEpochAndDependsOnlyOnTheStep() {
        QuestionOrder a = new QuestionOrder(10, 3);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int step = 1; step <= 5; step++) {
            for (int i : a.forStep(step, 2)) {
                seen.add(i);
            }
        }
        assertEquals(10, seen.size());
        assertArrayEquals(a.forStep(7, 2), new QuestionOrder(10, 3).forStep(7, 2));
    }
}
