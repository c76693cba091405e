package dev.thinktune.model.ops;

import dev.thinktune.model.SessionArrayCache;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention op against the graph it replaces (permuted rank-4 products, an additive -1e9 bias and SameDiff's
 * softmax, with SameDiff's own gradients), with grouped-query heads, left and right padding and several
 * sequences; and its log-sum-exp output against double-precision loops.
 */
class CausalAttentionTest {
    @BeforeAll
    static void install() {
        SessionArrayCache.install();
        JavaOps.register();
    }

    /** Shapes and inputs of one comparison: loss = sum(context * weights). */
    private record Case(int b, int t, int h, int kv, int hd, float[][] mask, long seed) {
        int n() {
            return b * t;
        }

        INDArray random(long salt, long... shape) {
            Nd4j.getRandom().setSeed(seed * 31 + salt);
            return Nd4j.rand(DataType.FLOAT, shape).subi(0.5).muli(2.0);
        }

        INDArray q() {
            return random(1, n(), h, hd);
        }

        INDArray k() {
            return random(2, n(), kv, hd);
        }

        INDArray v() {
            return random(3, n(), kv, hd);
        }

        INDArray weights() {
            return random(4, n(), (long) h * hd);
        }

        INDArray maskArray() {
            return Nd4j.createFromArray(mask);
        }
    }

    /** The op's graph; variables q, k, v, output "context", loss "loss". */
    private static SameDiff opGraph(Case c) {
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.var("q", c.q()), k = sd.var("k", c.k()), v = sd.var("v", c.v());
        SDVariable ctx = CausalAttention.apply(sd, "context", q, k, v, sd.constant("mask", c.maskArray()));
        sd.setLossVariables(sd.sum("loss", ctx.mul(sd.constant(c.weights()))));
        return sd;
    }

    /** The formulation the op replaced, in SameDiff's own ops, with the same names. */
    private static SameDiff referenceGraph(Case c) {
        int g = c.h / c.kv;
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.var("q", c.q()), k = sd.var("k", c.k()), v = sd.var("v", c.v());
        SDVariable mask = sd.constant("mask", c.maskArray());
        SDVariable index = sd.cumsum(sd.onesLike(mask), false, false, 1);
        SDVariable causal = sd.lte(sd.expandDims(index, 1), sd.expandDims(index, 2)).castTo(DataType.FLOAT);
        SDVariable bias = causal.mul(sd.expandDims(mask, 1)).sub(1.0).mul(1e9);
        bias = sd.expandDims(sd.expandDims(bias, 1), 1);                                   // [B, 1, 1, T, T]
        SDVariable qg = sd.reshape(sd.permute(sd.reshape(q, c.b, c.t, c.kv, g, c.hd), 0, 2, 3, 1, 4),
                c.b, c.kv, g * c.t, c.hd);
        SDVariable k4 = sd.permute(sd.reshape(k, c.b, c.t, c.kv, c.hd), 0, 2, 1, 3);
        SDVariable v4 = sd.permute(sd.reshape(v, c.b, c.t, c.kv, c.hd), 0, 2, 1, 3);
        SDVariable scores = sd.reshape(sd.mmul(qg, k4, false, true, false), c.b, c.kv, g, c.t, c.t);
        SDVariable probs = sd.reshape(sd.nn.softmax(scores.add(bias), -1), c.b, c.kv, g * c.t, c.t);
        SDVariable out5 = sd.reshape(sd.mmul(probs, v4), c.b, c.kv, g, c.t, c.hd);
        SDVariable ctx = sd.reshape(sd.permute(out5, 0, 3, 1, 2, 4), c.n(), (long) c.h * c.hd).rename("context");
        sd.setLossVariables(sd.sum("loss", ctx.mul(sd.constant(c.weights()))));
        return sd;
    }

    private static void assertMatches(Case c, double tolerance) {
        SameDiff op = opGraph(c), ref = referenceGraph(c);
        assertClose(ref.output(Map.of(), "context").get("context"), op.output(Map.of(), "context").get("context"),
                tolerance, "context");
        Map<String, INDArray> gOp = op.calculateGradients(Map.of(), "q", "k", "v");
        Map<String, INDArray> gRef = ref.calculateGradients(Map.of(), "q", "k", "v");
        for (String name : new String[]{"q", "k", "v"}) {
            assertClose(gRef.get(name), gOp.get(name), tolerance, "d" + name);
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.dup('c').data().asFloat(), a = actual.dup('c').data().asFloat();
        double scale = 0;
        for (float x : e) {
            scale = Math.max(scale, Math.abs(x));
        }
        assertTrue(scale > 0, what + " is all zeros: the comparison would prove nothing");
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tolerance * Math.max(1, scale), what + " element " + i);
        }
    }

    @Test
    void groupedQueryHeadsWithLeftAndRightPaddingMatchTheGraphFormulation() {
        float[][] mask = {
                {0, 0, 1, 1, 1, 1, 1},  // left padding: queries 0 and 1 see no key
                {1, 1, 1, 1, 1, 0, 0},  // right padding
                {1, 1, 1, 1, 1, 1, 1},
        };
        assertMatches(new Case(3, 7, 4, 2, 5, mask, 1), 2e-5);
    }

    @Test
    void fullRowBlocksAndVectorWideHeadsMatchTheGraphFormulation() {
        int t = 37;
        float[][] mask = new float[2][t];
        for (int j = 0; j < t; j++) {
            mask[0][j] = j < 5 ? 0 : 1;        // left padding
            mask[1][j] = j < t - 9 ? 1 : 0;    // right padding
        }
        assertMatches(new Case(2, t, 6, 2, 64, mask, 2), 2e-5);
        assertMatches(new Case(2, t, 3, 3, 19, mask, 3), 2e-5);   // one query head per key/value head
    }

    @Test
    void aSequenceOfPaddingOnlyAveragesItsValuesAsTheBiasedSoftmaxDoes() {
        float[][] mask = {{0, 0, 0, 0, 0}, {0, 1, 1, 0, 1}};
        assertMatches(new Case(2, 5, 2, 1, 3, mask, 4), 2e-5);
    }

    @Test
    void theLogSumExpOutputIsEachQuerysOverItsVisibleKeys() {
        float[][] mask = {{0, 1, 1, 0, 1, 1}};
        Case c = new Case(1, 6, 2, 1, 4, mask, 5);
        SameDiff sd = opGraph(c);
        INDArray lse = sd.output(Map.of(), "context_lse").get("context_lse");
        float[] q = c.q().data().asFloat(), k = c.k().data().asFloat();
        for (int h = 0; h < c.h; h++) {
            for (int i = 0; i < c.t; i++) {
                double sum = 0;
                boolean any = false;
                for (int j = 0; j <= i; j++) {
                    if (mask[0][j] == 1) {
                        double s = 0;
                        for (int x = 0; x < c.hd; x++) {
                            s += (double) q[(i * c.h + h) * c.hd + x] * k[j * c.hd + x];
                        }
                        sum += Math.exp(s);
                        any = true;
                    }
                }
                double expected = any ? Math.log(sum) : Math.log(c.t);
                assertEquals(expected, lse.getDouble(0, h, i), 1e-5, "head " + h + ", query " + i);
            }
        }
    }

    @Test
    void survivesSaveAndLoad(@TempDir Path dir) {
        float[][] mask = {{0, 1, 1, 1}, {1, 1, 1, 0}};
        SameDiff sd = opGraph(new Case(2, 4, 2, 1, 3, mask, 6));
        File file = dir.resolve("attention.fb").toFile();
        sd.save(file, false);
        SameDiff loaded = SameDiff.load(file, false);
        assertArrayEquals(sd.output(Map.of(), "context").get("context").data().asFloat(),
                loaded.output(Map.of(), "context").get("context").data().asFloat());
        loaded.setLossVariables("loss");
        assertArrayEquals(sd.calculateGradients(Map.of(), "k").get("k").data().asFloat(),
                loaded.calculateGradients(Map.of(), "k").get("k").data().asFloat());
    }
}
