package dev.thinktune.rollout;

import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sampling against distributions computed independently from the SameDiff graph's logits: the frequencies of
 * first tokens follow the softmax at temperature 1 (a chi-square test with fixed seeds), and top-k, top-p and
 * min-p never emit a token outside their set, at the first step and at every decode step.
 */
class SamplingTest {
    private static final int[] PROMPT = {1, 17, 33, 101, 7};
    private static ModelWeights weights;
    private static StudentModel model;
    private static RolloutEngine engine;

    @BeforeAll
    static void setUp() {
        weights = RolloutTesting.peaked();
        model = StudentModel.of(weights);
        engine = RolloutEngine.create(weights);
    }

    @AfterAll
    static void tearDown() {
        engine.close();
    }

    @Test
    void firstTokenFrequenciesFollowTheSoftmaxAtTemperatureOne() {
        int n = 4000;
        double[][] logits = RolloutTesting.graphLogits(model, PROMPT);
        double[] p = RolloutTesting.softmax(logits[PROMPT.length - 1], 1.0);
        List<Completion> out = engine.generate(List.of(new GenerationRequest(PROMPT, n,
                SamplingParams.sampling(1, Set.of(), 20240601L)))).get(0);
        int[] counts = new int[p.length];
        for (Completion c : out) {
            counts[c.tokenIds()[0]]++;
        }
        // bins: every token expected at least 5 times, the rest pooled
        double chi2 = 0, tailP = 0;
        int tailCount = 0, bins = 0;
        for (int k = 0; k < p.length; k++) {
            double e = n * p[k];
            if (e >= 5) {
                chi2 += (counts[k] - e) * (counts[k] - e) / e;
                bins++;
            } else {
                tailP += p[k];
                tailCount += counts[k];
            }
        }
        assertTrue(n * tailP >= 5, "the pooled tail must be expected 5 times or more");
        chi2 += (tailCount - n * tailP) * (tailCount - n * tailP) / (n * tailP);
        bins++;
        int df = bins - 1;
        assertTrue(df >= 10, "too few bins: " + bins);
        double critical = chiSquareQuantile(df, 3.090232); // upper 0.1 % point
        System.out.println("chi-square " + chi2 + ", " + df + " degrees of freedom, critical " + critical);
        assertTrue(chi2 < critical, "chi-square " + chi2 + " with " + df + " degrees of freedom exceeds " + critical);
        // and the test has power: a sampler that ignored the distribution would fail it
        double uniformChi2 = 0;
        for (int k = 0; k < p.length; k++) {
            double e = n * p[k];
            if (e >= 5) {
                double u = (double) n / p.length;
                uniformChi2 += (u - e) * (u - e) / e;
            }
        }
        assertTrue(uniformChi2 > critical);
    }

    /** Wilson-Hilferty approximation of the chi-square quantile with standard normal quantile z. */
    private static double chiSquareQuantile(int df, double z) {
        double a = 2.0 / (9.0 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    @Test
    void topKNeverLeavesTheKMostLikelyTokens() {
        int k = 3;
        checkEveryStep(new SamplingParams(1.0, 1.0, k, 0.0, 6, Set.of(), List.of(), 7L), logits -> {
            double[] sorted = logits.clone();
            Arrays.sort(sorted);
            double kth = sorted[sorted.length - k];
            Set<Integer> allowed = new HashSet<>();
            for (int i = 0; i < logits.length; i++) {
                if (logits[i] >= kth - 1e-4) {
                    allowed.add(i);
                }
            }
            return allowed;
        });
    }

    @Test
    void topPNeverLeavesTheNucleus() {
        double topP = 0.7;
        checkEveryStep(new SamplingParams(1.0, topP, 0, 0.0, 6, Set.of(), List.of(), 8L), logits -> {
            double[] p = RolloutTesting.softmax(logits, 1.0);
            Integer[] order = new Integer[p.length];
            for (int i = 0; i < p.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            Set<Integer> allowed = new HashSet<>();
            double before = 0;
            for (Integer i : order) {
                if (before >= topP + 1e-4) {
                    break;
                }
                allowed.add(i);
                before += p[i];
            }
            return allowed;
        });
    }

    @Test
    void minPNeverEmitsATokenBelowItsThreshold() {
        double minP = 0.1;
        checkEveryStep(new SamplingParams(1.0, 1.0, 0, minP, 6, Set.of(), List.of(), 9L), logits -> {
            double[] p = RolloutTesting.softmax(logits, 1.0);
            double top = Arrays.stream(p).max().orElseThrow();
            Set<Integer> allowed = new HashSet<>();
            for (int i = 0; i < p.length; i++) {
                if (p[i] >= minP * top * (1 - 1e-4)) {
                    allowed.add(i);
                }
            }
            return allowed;
        });
    }

    @Test
    void lowTemperatureWithTopKAndTopPStaysInsideBothSets() {
        checkEveryStep(new SamplingParams(0.7, 0.9, 5, 0.0, 6, Set.of(), List.of(), 10L), logits -> {
            double[] sorted = logits.clone();
            Arrays.sort(sorted);
            double fifth = sorted[sorted.length - 5];
            Set<Integer> allowed = new HashSet<>();
            for (int i = 0; i < logits.length; i++) {
                if (logits[i] >= fifth - 1e-4) {
                    allowed.add(i);
                }
            }
            return allowed;
        });
    }

    @Test
    void temperatureZeroTakesTheLargestLogit() {
        List<Completion> out = engine.generate(List.of(new GenerationRequest(PROMPT, 3,
                SamplingParams.greedy(6, Set.of())))).get(0);
        int[] seq = RolloutTesting.concat(PROMPT, out.get(0).tokenIds());
        double[][] logits = RolloutTesting.graphLogits(model, seq);
        for (int j = 0; j < 6; j++) {
            double[] row = logits[PROMPT.length - 1 + j];
            int best = 0;
            for (int i = 1; i < row.length; i++) {
                if (row[i] > row[best]) {
                    best = i;
                }
            }
            assertEquals(best, out.get(0).tokenIds()[j], "step " + j);
        }
        for (Completion c : out) {
            assertEquals(Arrays.toString(out.get(0).tokenIds()), Arrays.toString(c.tokenIds()));
        }
    }

    /**
     * Samples 32 continuations and checks every token against the set {@code allowed} computes from the graph's
     * logits at that position; the sampling must also not collapse to one token.
     */
    private static void checkEveryStep(SamplingParams params, Function<double[], Set<Integer>> allowed) {
        List<Completion> out = engine.generate(List.of(new GenerationRequest(PROMPT, 32, params))).get(0);
        List<int[]> seqs = new ArrayList<>();
        for (Completion c : out) {
            seqs.add(RolloutTesting.concat(PROMPT, c.tokenIds()));
        }
        TokenBatch batch = TokenBatch.rightPadded(seqs, 0);
        float[] logits = model.logits(batch).data().asFloat();
        int v = model.config().vocabSize(), t = batch.time();
        Set<Integer> firstTokens = new HashSet<>();
        for (int s = 0; s < seqs.size(); s++) {
            int[] toks = out.get(s).tokenIds();
            firstTokens.add(toks[0]);
            for (int j = 0; j < toks.length; j++) {
                int position = PROMPT.length - 1 + j;
                double[] row = new double[v];
                for (int i = 0; i < v; i++) {
                    row[i] = logits[(s * t + position) * v + i];
                }
                Set<Integer> ok = allowed.apply(row);
                assertTrue(ok.contains(toks[j]), "sample " + s + " step " + j + ": token " + toks[j]
                        + " is outside " + ok);
            }
        }
        assertTrue(firstTokens.size() >= 2, "32 samples all began with the same token");
    }
}
