package dev.thinktune.train;

import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.StudentModel;
import dev.thinktune.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-token parts returned with the gradients equal the fixture's, call after call. */
class GradientRunnerOutputsTest {
    @Test
    void forwardOutputsReturnedWithGradientsMatchTorch() {
        StudentModel model = StudentModel.of(HfCheckpoint.load(Fixtures.model("tiny-llama3")));
        try (SafetensorsFile g = Fixtures.golden("tiny-llama3")) {
            ObjectiveConfig cfg = ThinkTuningLossFixtureTest.caseConfig(g, "paper");
            ThinkTuningLoss.attach(model, cfg);
            GradientRunner runner = new GradientRunner(model.graph(), new ArrayList<>(model.weights().tensors().keySet()),
                    List.of(ThinkTuningLoss.LOSS, ThinkTuningLoss.CLIPPED, ThinkTuningLoss.W, ThinkTuningLoss.KEEP,
                            ThinkTuningLoss.K3));
            float[] m = g.floats("loss_response_mask");
            for (int call = 0; call < 3; call++) {
                Map<String, INDArray> ph = ThinkTuningLossFixtureTest.placeholders(g, -4f, 4f);
                try (GradientRunner.Result r = runner.run(ph)) {
                    ThinkTuningLossFixtureTest.assertPartClose("k3 call " + call,
                            r.outputs().get(ThinkTuningLoss.K3).data().asFloat(), g.floats("loss_paper_k3"), m);
                    ThinkTuningLossFixtureTest.assertPartClose("w call " + call,
                            r.outputs().get(ThinkTuningLoss.W).data().asFloat(), g.floats("loss_paper_w"), m);
                    ThinkTuningLossFixtureTest.assertPartClose("keep call " + call,
                            r.outputs().get(ThinkTuningLoss.KEEP).data().asFloat(), g.floats("loss_paper_keep"), null);
                    float loss = r.outputs().get(ThinkTuningLoss.LOSS).getFloat(0);
                    float golden = g.floats("loss_paper_value")[0];
                    assertTrue(Math.abs(loss - golden) < 1e-4 * Math.abs(golden), "loss " + loss + " vs " + golden);
                }
            }
        }
    }
}
