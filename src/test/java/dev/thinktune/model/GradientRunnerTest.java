package dev.thinktune.model;

import dev.thinktune.testing.Fixtures;
import dev.thinktune.train.NextTokenLoss;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cached backward pass gives SameDiff's own gradients, call after call, as arrays get recycled. */
class GradientRunnerTest {

    @Test
    void repeatedCallsWithRecycledArraysMatchCalculateGradients() {
        StudentModel model = StudentModel.load(Fixtures.model("tiny-llama2"));
        NextTokenLoss.attach(model);
        List<String> names = new ArrayList<>(model.weights().tensors().keySet());
        GradientRunner runner = new GradientRunner(model.graph(), names, List.of(NextTokenLoss.LOSS));
        for (int call = 0; call < 3; call++) {
            Map<String, INDArray> ph = batch(call);
            Map<String, INDArray> expected = model.graph().calculateGradients(ph, names);
            GradientRunner.Result r = runner.run(ph);
            assertEquals(1, r.outputs().size());
            for (String n : names) {
                double err = Fixtures.relativeError(r.gradients().get(n).data().asFloat(), expected.get(n).data().asFloat());
                assertTrue(err < 1e-6, "call " + call + ", " + n + ": " + err);
            }
            // change the weights a little between calls so stale recycled values would show
            model.weights().get("model.norm.weight").addi(0.01);
        }
    }

    @Test
    void aBatchOfOneSequenceHasTheGradientOfThatSequenceTwice() {
        StudentModel model = StudentModel.load(Fixtures.model("tiny-llama3"));
        NextTokenLoss.attach(model);
        List<String> names = new ArrayList<>(model.weights().tensors().keySet());
        GradientRunner runner = new GradientRunner(model.graph(), names, List.of(NextTokenLoss.LOSS));
        int[] seq = {5, 17, 200, 33, 9, 41, 7};
        Map<String, float[]> one = new HashMap<>();
        try (GradientRunner.Result r = runner.run(placeholders(List.of(seq)))) {
            r.gradients().forEach((n, g) -> one.put(n, g.data().asFloat()));
        }
        // the token-mean loss of a batch that holds the sequence twice is the same function of the weights
        try (GradientRunner.Result r = runner.run(placeholders(List.of(seq, seq)))) {
            for (String n : names) {
                double err = Fixtures.relativeError(r.gradients().get(n).data().asFloat(), one.get(n));
                assertTrue(err < 1e-5, n + ": " + err);
            }
        }
    }

    private static Map<String, INDArray> batch(int seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        List<int[]> seqs = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            int[] s = new int[5 + b * 3 + seed];
            for (int i = 0; i < s.length; i++) {
                s[i] = 3 + rng.nextInt(300);
            }
            seqs.add(s);
        }
        return placeholders(seqs);
    }

    private static Map<String, INDArray> placeholders(List<int[]> seqs) {
        TokenBatch tb = TokenBatch.rightPadded(seqs, 0);
        Map<String, INDArray> ph = new HashMap<>(tb.placeholders());
        INDArray mask = Nd4j.zeros(DataType.FLOAT, tb.batch(), tb.time() - 1);
        float n = 0;
        for (int b = 0; b < tb.batch(); b++) {
            for (int t = 0; t + 1 < tb.time(); t++) {
                if (tb.mask()[b * tb.time() + t + 1] != 0) {
                    mask.putScalar(b, t, 1f);
                    n++;
                }
            }
        }
        ph.put(NextTokenLoss.LOSS_MASK, mask);
        ph.put(NextTokenLoss.NUM_TOKENS, Nd4j.scalar(n));
        return ph;
    }
}
