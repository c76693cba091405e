package dev.thinktune.train;

import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.StudentModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One optimizer update on the ThinkTuning objective: gradients of the loss graph accumulated over
 * micro-batches, checked for finiteness, clipped by global norm, applied with AdamW. A non-finite loss or
 * gradient leaves the weights untouched and reports the update as skipped.
 */
public final class PolicyUpdater {
    private final ObjectiveConfig objective;
    private final OptimizerStep optimizer;
    private final GradientRunner runner;

    public PolicyUpdater(StudentModel model, ObjectiveConfig objective, TrainConfig.OptimizerSection opt,
                         int totalUpdates) {
        this.objective = objective;
        this.optimizer = new OptimizerStep(model.trainable(), opt, totalUpdates);
        ThinkTuningLoss.attach(model, objective);
        this.runner = new GradientRunner(model.graph(), new ArrayList<>(model.trainable().keySet()),
                List.of(ThinkTuningLoss.LOSS, ThinkTuningLoss.CLIPPED, ThinkTuningLoss.W, ThinkTuningLoss.KEEP,
                        ThinkTuningLoss.K3));
    }

    public AdamW optimizer() {
        return optimizer.optimizer();
    }

    /** Optimizer updates applied so far (restored on resume). */
    public long updates() {
        return optimizer.updates();
    }

    public void restore(long updatesDone) {
        optimizer.restore(updatesDone);
    }

    /**
     * One update over {@code batch}, run {@code microBatchSize} sequences at a time.
     *
     * @param advMin the advantage mapped to c2 (the fixed bound, or the step's minimum)
     * @param advMax the advantage mapped to c1
     */
    public UpdateStats update(List<TrainingSample> batch, int microBatchSize, double advMin, double advMax) {
        int tokens = batch.stream().mapToInt(TrainingSample::responseLength).sum();
        optimizer.reset();
        double loss = 0, clipped = 0, studentTokens = 0, wSum = 0, wCount = 0, klSum = 0;
        int masked = 0;
        for (int start = 0; start < batch.size(); start += microBatchSize) {
            List<TrainingSample> micro = batch.subList(start, Math.min(batch.size(), start + microBatchSize));
            Map<String, INDArray> ph = LossBatch.placeholders(micro, batch.size(), tokens, advMin, advMax);
            try (GradientRunner.Result r = runner.run(ph)) {
                loss += r.outputs().get(ThinkTuningLoss.LOSS).getDouble(0);
                optimizer.accumulate(r.gradients());
                float[] m = ph.get(ThinkTuningLoss.RESPONSE_MASK).data().asFloat();
                float[] h = ph.get(ThinkTuningLoss.TEACHER_MASK).data().asFloat();
                float[] clip = r.outputs().get(ThinkTuningLoss.CLIPPED).data().asFloat();
                float[] w = r.outputs().get(ThinkTuningLoss.W).data().asFloat();
                float[] keep = r.outputs().get(ThinkTuningLoss.KEEP).data().asFloat();
                float[] k3 = r.outputs().get(ThinkTuningLoss.K3).data().asFloat();
                for (int i = 0; i < m.length; i++) {
                    if (m[i] == 0) {
                        continue;
                    }
                    klSum += k3[i];
                    if (h[i] == 0) {
                        studentTokens++;
                        clipped += clip[i];
                    } else if (keep[i] == 0) {
                        masked++;
                    } else {
                        wSum += w[i];
                        wCount++;
                    }
                }
            } finally {
                GradientRunner.release(ph);
            }
        }
        OptimizerStep.Applied a = optimizer.apply(loss);
        return new UpdateStats(loss, a.gradNorm(), a.lr(), studentTokens == 0 ? 0 : clipped / studentTokens,
                wCount == 0 ? Double.NaN : wSum / wCount, masked, objective.beta() > 0 ? klSum / Math.max(tokens, 1) : 0,
                a.skipped(), tokens);
    }
}
