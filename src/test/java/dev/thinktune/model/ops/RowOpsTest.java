package dev.thinktune.model.ops;

import dev.thinktune.model.SessionArrayCache;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RMSNorm, SwiGLU, the rotary embedding and the trainable linear product against double-precision loops written
 * out here: outputs, and the gradients of {@code loss = sum(out * G)} for a random {@code G}. The shapes are odd
 * on purpose: 37 rows are three blocks of {@link RowBlocks} (the last short), and 21 or 37 columns leave a tail
 * after the vector lanes.
 */
class RowOpsTest {
    private static final int N = 37;

    @BeforeAll
    static void install() {
        SessionArrayCache.install();
        JavaOps.register();
    }

    private static double[][] random(SplittableRandom rng, int rows, int cols, double range) {
        double[][] a = new double[rows][cols];
        for (double[] r : a) {
            for (int j = 0; j < cols; j++) {
                r[j] = rng.nextDouble(-range, range);
            }
        }
        return a;
    }

    private static INDArray array(double[][] a) {
        return Nd4j.createFromArray(a).castTo(DataType.FLOAT);
    }

    /** A graph {@code loss = sum(op(vars) * G)} over the named variables. */
    private static SameDiff graph(Map<String, double[][]> vars, double[][] g,
                                  BiFunction<SameDiff, Map<String, SDVariable>, SDVariable> op) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = new java.util.LinkedHashMap<>();
        vars.forEach((k, a) -> v.put(k, sd.var(k, a.length == 1 ? array(a).reshape(-1) : array(a))));
        SDVariable out = op.apply(sd, v);
        SDVariable flat = sd.reshape(out, g.length, g[0].length);
        sd.setLossVariables(sd.sum("loss", flat.mul(sd.constant(array(g)))));
        flat.rename("out");
        return sd;
    }

    private static void assertClose(double[][] expected, INDArray actual, double tol, String what) {
        INDArray a = actual.reshape(expected.length, -1);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(expected[i][j], a.getDouble(i, j), tol * (1 + Math.abs(expected[i][j])),
                        what + " [" + i + ", " + j + "]");
            }
        }
    }

    @Test
    void rmsNormAndItsGradientsMatchTheFormula() {
        int d = 21;
        double eps = 1e-5;
        SplittableRandom rng = new SplittableRandom(1);
        double[][] x = random(rng, N, d, 2), w = random(rng, 1, d, 1.5), g = random(rng, N, d, 1);
        double[][] y = new double[N][d], dx = new double[N][d], dw = new double[1][d];
        for (int n = 0; n < N; n++) {
            double ms = 0;
            for (int j = 0; j < d; j++) {
                ms += x[n][j] * x[n][j] / d;
            }
            double r = 1 / Math.sqrt(ms + eps), dot = 0;
            for (int j = 0; j < d; j++) {
                y[n][j] = x[n][j] * r * w[0][j];
                dw[0][j] += g[n][j] * x[n][j] * r;
                dot += g[n][j] * w[0][j] * x[n][j];
            }
            for (int j = 0; j < d; j++) {
                dx[n][j] = g[n][j] * w[0][j] * r - x[n][j] * r * r * r * dot / d;
            }
        }
        SameDiff sd = graph(Map.of("x", x, "w", w), g, (s, v) -> RmsNorm.apply(s, null, v.get("x"), v.get("w"), eps));
        assertClose(y, sd.output(Map.of(), "out").get("out"), 1e-5, "y");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "x", "w");
        assertClose(dx, grads.get("x"), 1e-4, "dx");
        assertClose(dw, grads.get("w"), 1e-4, "dw");
    }

    @Test
    void swiGluAndItsGradientsMatchTheFormulaAcrossTheSigmoidsRange() {
        int f = 37;
        SplittableRandom rng = new SplittableRandom(2);
        double[][] gate = random(rng, N, f, 12), up = random(rng, N, f, 2), g = random(rng, N, f, 1);
        gate[0][0] = -100;   // e^100 overflows a float: the sigmoid is 0
        gate[0][1] = 100;
        double[][] y = new double[N][f], dGate = new double[N][f], dUp = new double[N][f];
        for (int n = 0; n < N; n++) {
            for (int j = 0; j < f; j++) {
                double a = gate[n][j], s = 1 / (1 + Math.exp(-a));
                y[n][j] = a * s * up[n][j];
                dUp[n][j] = g[n][j] * a * s;
                dGate[n][j] = g[n][j] * up[n][j] * (s + a * s * (1 - s));
            }
        }
        SameDiff sd = graph(Map.of("gate", gate, "up", up), g, (s, v) -> SwiGlu.apply(s, null, v.get("gate"),
                v.get("up")));
        assertClose(y, sd.output(Map.of(), "out").get("out"), 1e-5, "y");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "gate", "up");
        assertClose(dGate, grads.get("gate"), 1e-5, "dgate");
        assertClose(dUp, grads.get("up"), 1e-5, "dup");
    }

    @Test
    void theRotaryEmbeddingRotatesEveryHeadAndItsGradientRotatesBack() {
        int heads = 3, hd = 6, half = hd / 2;
        double scale = 0.4;
        SplittableRandom rng = new SplittableRandom(3);
        double[][] x = random(rng, N, heads * hd, 2), g = random(rng, N, heads * hd, 1);
        double[][] cos = new double[N][hd], sin = new double[N][hd];
        for (int n = 0; n < N; n++) {
            for (int j = 0; j < half; j++) {
                double angle = (n + 3) * Math.pow(10000, -2.0 * j / hd);
                cos[n][j] = cos[n][j + half] = Math.cos(angle);
                sin[n][j] = sin[n][j + half] = Math.sin(angle);
            }
        }
        double[][] y = new double[N][heads * hd], dx = new double[N][heads * hd];
        for (int n = 0; n < N; n++) {
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j < hd; j++) {
                    int k = h * hd + j;
                    double rotated = j < half ? -x[n][k + half] : x[n][k - half];
                    y[n][k] = scale * (x[n][k] * cos[n][j] + rotated * sin[n][j]);
                    // d out[k'] / d x[k] summed against g: out[k] through cos, and the rotated partner
                    double partner = j < half ? g[n][k + half] * sin[n][j + half] : -g[n][k - half] * sin[n][j - half];
                    dx[n][k] = scale * (g[n][k] * cos[n][j] + partner);
                }
            }
        }
        INDArray c = array(cos), s = array(sin);
        SameDiff sd = graph(Map.of("x", x), g, (sdv, v) -> Rotary.apply(sdv, null, v.get("x"), sdv.constant(c),
                sdv.constant(s), scale));
        INDArray out = sd.output(Map.of(), "out").get("out");
        assertClose(y, out, 1e-5, "y");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "x");
        assertClose(dx, grads.get("x"), 1e-5, "dx");
    }

    @Test
    void aTrainableLinearProductHasBothGradients() {
        int in = 21, out = 5;
        SplittableRandom rng = new SplittableRandom(4);
        double[][] x = random(rng, N, in, 1), w = random(rng, out, in, 1), g = random(rng, N, out, 1);
        double[][] y = new double[N][out], dx = new double[N][in], dw = new double[out][in];
        for (int n = 0; n < N; n++) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    y[n][o] += x[n][i] * w[o][i];
                    dx[n][i] += g[n][o] * w[o][i];
                    dw[o][i] += g[n][o] * x[n][i];
                }
            }
        }
        SameDiff sd = graph(Map.of("x", x, "w", w), g, (s, v) -> Linear.apply(s, null, v.get("x"), v.get("w")));
        assertClose(y, sd.output(Map.of(), "out").get("out"), 1e-5, "y");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "x", "w");
        assertClose(dx, grads.get("x"), 1e-5, "dx");
        assertClose(dw, grads.get("w"), 1e-5, "dw");
    }
}
