package dev.thinktune.rollout;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.tokenizer.Tokenizer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/** Models, references and fakes shared by the rollout tests. */
final class RolloutTesting {
    private RolloutTesting() {
    }

    static ModelWeights fixture(String name) {
        return HfCheckpoint.load(Fixtures.model(name));
    }

    /**
     * tiny-llama2 with its head scaled by 10: a prompt's next token then has a few likely values (0.6, 0.13,
     * 0.10, ...) and a long tail, which suits tests of sampling frequencies and of top-k/top-p/min-p sets.
     */
    static ModelWeights peaked() {
        ModelWeights w = fixture("tiny-llama2");
        w.get("lm_head.weight").muli(10.0);
        return w;
    }

    /** Engine options with a given thread count. */
    static RolloutEngine.Options threads(int n) {
        return RolloutEngine.Options.defaults().withThreads(n);
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The SameDiff graph's logits of one sequence, [T][V], in double. */
    static double[][] graphLogits(StudentModel model, int[] seq) {
        INDArray l = model.logits(TokenBatch.rightPadded(List.of(seq), 0));
        int t = seq.length, v = model.config().vocabSize();
        float[] flat = l.data().asFloat();
        double[][] out = new double[t][v];
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < v; k++) {
                out[i][k] = flat[i * v + k];
            }
        }
        return out;
    }

    static double[] softmax(double[] logits, double temperature) {
        double mx = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            mx = Math.max(mx, v);
        }
        double z = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - mx) / temperature);
            z += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= z;
        }
        return p;
    }

    /** A tokenizer whose token {@code i} reads "[i]": enough to test stop strings. */
    static final class BracketTokenizer implements Tokenizer {
        private final int vocab;

        BracketTokenizer(int vocab) {
            this.vocab = vocab;
        }

        static String piece(int id) {
            return "[" + id + "]";
        }

        @Override
        public int[] encode(String text, boolean addSpecial) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(piece(id));
            }
            return sb.toString();
        }

        @Override
        public String decode(int[] ids, boolean skipSpecial) {
            return decode(ids);
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public OptionalInt tokenId(String token) {
            return OptionalInt.empty();
        }

        @Override
        public String token(int id) {
            return piece(id);
        }

        @Override
        public Set<Integer> specialIds() {
            return Set.of();
        }

        @Override
        public StreamingDecoder streamingDecoder() {
            return new StreamingDecoder() {
                @Override
                public String next(int id) {
                    return piece(id);
                }

                @Override
                public String flush() {
                    return "";
                }
            };
        }
    }
}
