package dev.thinktune.rollout;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.SafetensorsFile;
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

    /** The fixture's prefill rows ({@code input_ids}), right padding stripped with {@code attention_mask}. */
    static List<int[]> prefillRows(SafetensorsFile g) {
        int[] ids = g.ints("input_ids");
        int[] mask = g.ints("attention_mask");
        int b = (int) g.info("input_ids").shape()[0], t = (int) g.info("input_ids").shape()[1];
        List<int[]> rows = new java.util.ArrayList<>();
        for (int r = 0; r < b; r++) {
            int len = 0;
            while (len < t && mask[r * t + len] == 1) {
                len++;
            }
            rows.add(java.util.Arrays.copyOfRange(ids, r * t, r * t + len));
        }
        return rows;
    }

    /** max |got - golden| / max |golden| of each row's logits against {@code golden} ([B, T, V], rows right-padded). */
    static double relativeLogitError(List<float[]> logits, float[] golden, int t, int v) {
        double num = 0, den = 0;
        for (int r = 0; r < logits.size(); r++) {
            float[] got = logits.get(r);
            for (int i = 0; i < got.length; i++) {
                float want = golden[r * t * v + i];
                num = Math.max(num, Math.abs(got[i] - want));
                den = Math.max(den, Math.abs(want));
            }
        }
        return num / den;
    }

    /**
     * Greedy decoding of the fixture's prompts (left padding stripped with the mask: positions count from each
     * prompt's first token, as transformers' generate does) against transformers' tokens: a row is compared up
     * to the first step where the tokens differ, which must be a step whose top-two logit gap
     * ({@code greedy_margin}) is at most {@code margin}, and not after it (the continuations then diverge). At
     * least half of all steps must be compared.
     */
    static void assertGreedyFollowsTransformers(RolloutEngine engine, SafetensorsFile g, double margin) {
        int[] ids = g.ints("greedy_prompt_ids");
        int[] mask = g.ints("greedy_prompt_mask");
        int[] want = g.ints("greedy_new_ids");
        float[] gap = g.floats("greedy_margin");
        int b = (int) g.info("greedy_prompt_ids").shape()[0], t = (int) g.info("greedy_prompt_ids").shape()[1];
        int n = (int) g.info("greedy_new_ids").shape()[1];
        List<GenerationRequest> requests = new java.util.ArrayList<>();
        for (int r = 0; r < b; r++) {
            int start = 0;
            while (mask[r * t + start] == 0) {
                start++;
            }
            requests.add(new GenerationRequest(java.util.Arrays.copyOfRange(ids, r * t + start, r * t + t), 1,
                    SamplingParams.greedy(n, Set.of())));
        }
        List<List<Completion>> out = engine.generate(requests);
        int compared = 0;
        for (int r = 0; r < b; r++) {
            Completion c = out.get(r).get(0);
            org.junit.jupiter.api.Assertions.assertEquals(n, c.length());
            org.junit.jupiter.api.Assertions.assertEquals(FinishReason.LENGTH, c.finishReason());
            for (int j = 0; j < n; j++) {
                if (c.tokenIds()[j] != want[r * n + j]) {
                    int row = r, step = j;
                    org.junit.jupiter.api.Assertions.assertTrue(gap[r * n + j] <= margin, () -> "row " + row
                            + " step " + step + ": got " + c.tokenIds()[step] + ", transformers " + want[row * n + step]
                            + " with margin " + gap[row * n + step]);
                    break;
                }
                compared++;
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(compared >= b * n / 2, "only " + compared + " steps compared");
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
