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
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java ops against plain double-precision loops written out here. */
class JavaOpsTest {
    private static final int N = 10, D = 5, V = 7;

    @BeforeAll
    static void install() {
        SessionArrayCache.install();
        JavaOps.register();
    }

    private static double[][] random(SplittableRandom rng, int rows, int cols) {
        double[][] a = new double[rows][cols];
        for (double[] r : a) {
            for (int j = 0; j < cols; j++) {
                r[j] = rng.nextDouble(-1.5, 1.5);
            }
        }
        return a;
    }

    private static INDArray array(double[][] a) {
        return Nd4j.createFromArray(a).castTo(DataType.FLOAT);
    }

    /** Graph: loss = sum_n g[n] * logp[n], logp from the op with {@code blockRows} positions per block. */
    private static SameDiff headGraph(double[][] h, double[][] w, int[] t, double[] g, int blockRows) {
        SameDiff sd = SameDiff.create();
        SDVariable hv = sd.var("h", array(h));
        SDVariable wv = sd.var("w", array(w));
        SDVariable logp = TokenLogprobs.apply(sd, "logp", hv, wv, sd.constant(Nd4j.createFromArray(t)), blockRows);
        SDVariable loss = sd.sum("loss", logp.mul(sd.constant(Nd4j.createFromArray(g).castTo(DataType.FLOAT))));
        sd.setLossVariables(loss);
        return sd;
    }

    @Test
    void tokenLogprobsAndTheirGradientsMatchALogSoftmaxInEveryBlockSize() {
        checkHead(N, D, V);
        // rows in several of the parallel row blocks, a vocabulary that is no whole number of vectors
        checkHead(40, 6, 37);
    }

    private static void checkHead(int N, int D, int V) {
        SplittableRandom rng = new SplittableRandom(11);
        double[][] h = random(rng, N, D), w = random(rng, V, D);
        int[] t = new int[N];
        double[] g = new double[N];
        for (int n = 0; n < N; n++) {
            t[n] = rng.nextInt(V);
            g[n] = rng.nextDouble(-1, 1);
        }
        // reference: logits = h w^T, logp = logits[t] - logsumexp, dlogits = g (onehot - softmax)
        double[] logp = new double[N];
        double[][] dh = new double[N][D], dw = new double[V][D];
        for (int n = 0; n < N; n++) {
            double[] logits = new double[V];
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) {
                for (int j = 0; j < D; j++) {
                    logits[v] += h[n][j] * w[v][j];
                }
                max = Math.max(max, logits[v]);
            }
            double sum = 0;
            for (int v = 0; v < V; v++) {
                sum += Math.exp(logits[v] - max);
            }
            double lse = max + Math.log(sum);
            logp[n] = logits[t[n]] - lse;
            for (int v = 0; v < V; v++) {
                double dl = g[n] * ((v == t[n] ? 1 : 0) - Math.exp(logits[v] - lse));
                for (int j = 0; j < D; j++) {
                    dh[n][j] += dl * w[v][j];
                    dw[v][j] += dl * h[n][j];
                }
            }
        }
        for (int blockRows : new int[]{0, 1, 3, 4, 10, 64}) {
            SameDiff sd = headGraph(h, w, t, g, blockRows);
            float[] out = sd.output(Map.of(), "logp").get("logp").toFloatVector();
            for (int n = 0; n < N; n++) {
                assertEquals(logp[n], out[n], 1e-5, "block " + blockRows + ", position " + n);
            }
            Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "h", "w");
            assertClose(dh, grads.get("h"), "dh, block " + blockRows);
            assertClose(dw, grads.get("w"), "dw, block " + blockRows);
        }
    }

    @Test
    void embeddingLookupGathersRowsAndAddsTheGradientsOfRepeatedIds() {
        SplittableRandom rng = new SplittableRandom(5);
        double[][] table = random(rng, V, D), r = random(rng, 8, D);
        int[] ids = {3, 0, 3, 6, 3, 1, 0, 5};
        SameDiff sd = SameDiff.create();
        SDVariable tv = sd.var("table", array(table));
        SDVariable rows = EmbeddingLookup.apply(sd, "rows", tv, sd.constant(Nd4j.createFromArray(ids)));
        sd.setLossVariables(sd.sum("loss", rows.mul(sd.constant(array(r)))));
        INDArray looked = sd.output(Map.of(), "rows").get("rows");
        double[][] dTable = new double[V][D];
        for (int n = 0; n < ids.length; n++) {
            for (int j = 0; j < D; j++) {
                assertEquals((float) table[ids[n]][j], looked.getFloat(n, j), 0f);
                dTable[ids[n]][j] += r[n][j];
            }
        }
        assertClose(dTable, sd.calculateGradients(Map.of(), "table").get("table"), "dTable");
    }

    @Test
    void anIdOutsideTheVocabularyIsNamed() {
        SameDiff sd = SameDiff.create();
        SDVariable tv = sd.var("table", Nd4j.rand(DataType.FLOAT, V, D));
        EmbeddingLookup.apply(sd, "rows", tv, sd.constant(Nd4j.createFromArray(new int[]{1, V})));
        Exception e = assertThrows(Exception.class, () -> sd.output(Map.of(), "rows"));
        Throwable root = e;
        while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("token id " + V + " is outside the vocabulary (0.." + (V - 1) + ")"),
                root.getMessage());
    }

    @Test
    void graphsWithJavaOpsSurviveSaveAndLoad(@TempDir Path dir) {
        SplittableRandom rng = new SplittableRandom(3);
        int[] t = {1, 2, 3, 4, 5, 6, 0, 1, 2, 3};
        SameDiff sd = headGraph(random(rng, N, D), random(rng, V, D), t, new double[N], 4);
        File file = dir.resolve("graph.fb").toFile();
        sd.save(file, false);
        SameDiff loaded = SameDiff.load(file, false);
        assertArrayEquals(sd.output(Map.of(), "logp").get("logp").toFloatVector(),
                loaded.output(Map.of(), "logp").get("logp").toFloatVector());
    }

    private static void assertClose(double[][] expected, INDArray actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(expected[i][j], actual.getDouble(i, j), 1e-5 * (1 + Math.abs(expected[i][j])),
                        what + " [" + i + ", " + j + "]");
            }
        }
    }

    /**
     * An op reads a strided view through a copy on the Java heap, which lives as long as the buffer read from it (a
     * native copy would be kept alive by nothing but its raw view, and the collector could free it mid-op); a dense
     * array is read in place.
     */
    @Test
    void aViewIsReadThroughAHeapCopyAndADenseArrayInPlace() {
        INDArray base = Nd4j.create(DataType.FLOAT, 4, 6);
        for (int i = 0; i < 24; i++) {
            base.putScalar(i / 6, i % 6, i);
        }
        INDArray columns = base.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        java.nio.FloatBuffer copy = Buffers.input(columns);
        assertTrue(!copy.isDirect(), "a heap buffer");
        float[] read = new float[8];
        copy.get(0, read);
        assertArrayEquals(new float[]{1, 2, 7, 8, 13, 14, 19, 20}, read);
        java.nio.FloatBuffer inPlace = Buffers.input(base);
        assertTrue(inPlace.isDirect(), "the array's own memory");
        base.putScalar(0, 5, 99f);
        assertEquals(99f, inPlace.get(5));
    }
}
