package dev.thinktune.train;

import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.StudentModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gradient half of an update: the ThinkTuning loss attached to the student's graph, run over a batch
 * micro-batch by micro-batch, each micro-batch's gradients handed to a sink, with the sums the update's
 * statistics are made of. What the update divides by (its sequences or tokens) is passed in: a process that
 * holds only part of the update's samples passes 1 and the whole update's count divides the summed gradients
 * ({@link Sums#normalizer}).
 */
public final class LossGradients {
    private final ObjectiveConfig objective;
    private final GradientRunner runner;

    public LossGradients(StudentModel model, ObjectiveConfig objective) {
        this.objective = objective;
        ThinkTuningLoss.attach(model, objective);
        this.runner = new GradientRunner(model.graph(), new ArrayList<>(model.trainable().keySet()),
                List.of(ThinkTuningLoss.LOSS, ThinkTuningLoss.CLIPPED, ThinkTuningLoss.W, ThinkTuningLoss.KEEP,
                        ThinkTuningLoss.K3));
    }

    /**
     * What the micro-batches of a batch added up to.
     *
     * @param loss          the loss summed over micro-batches (divided by the counts passed to {@link #run})
     * @param clipped       student tokens whose ratio was clipped
     * @param studentTokens response tokens the student wrote
     * @param wSum          AAS weights summed over the teacher tokens that count
     * @param wCount        teacher tokens that count
     * @param masked        teacher tokens masked as low-confidence negatives
     * @param klSum         k3 summed over response tokens
     * @param sequences     sequences of the batch
     * @param tokens        response tokens of the batch
     */
    public record Sums(double loss, double clipped, double studentTokens, double wSum, double wCount, int masked,
                       double klSum, int sequences, int tokens) implements Serializable {
        public static final Sums ZERO = new Sums(0, 0, 0, 0, 0, 0, 0, 0, 0);

        public Sums plus(Sums o) {
            return new Sums(loss + o.loss, clipped + o.clipped, studentTokens + o.studentTokens, wSum + o.wSum,
                    wCount + o.wCount, masked + o.masked, klSum + o.klSum, sequences + o.sequences,
                    tokens + o.tokens);
        }

        /** What the objective's reduction divides the summed loss by: the sequences or the response tokens. */
        public int normalizer(ObjectiveConfig objective) {
            return switch (objective.reduction()) {
                case SEQUENCE_MEAN -> sequences;
                case TOKEN_MEAN -> Math.max(tokens, 1);
            };
        }

        /** The update's statistics, with {@code loss} its (normalised) loss and {@code applied} what the optimizer did. */
        UpdateStats stats(double loss, OptimizerStep.Applied applied, ObjectiveConfig objective) {
            return new UpdateStats(loss, applied.gradNorm(), applied.lr(),
                    studentTokens == 0 ? 0 : clipped / studentTokens, wCount == 0 ? Double.NaN : wSum / wCount,
                    masked, objective.beta() > 0 ? klSum / Math.max(tokens, 1) : 0, applied.skipped(), tokens);
        }
    }

    /**
     * Runs {@code batch}, {@code microBatchSize} sequences at a time, adding each micro-batch's gradients into
     * {@code sums} (by parameter name; the ops add most of them as they compute, {@link
     * GradientRunner#accumulate}) and calling {@code afterEach} after each micro-batch.
     *
     * @param numSequences the sequence-mean's divisor (the whole update's sequences, or 1 for a sum)
     * @param numTokens    the token-mean's divisor (the whole update's response tokens, or 1 for a sum)
     */
    public Sums run(List<TrainingSample> batch, int microBatchSize, int numSequences, int numTokens, double advMin,
                    double advMax, Map<String, INDArray> sums, Runnable afterEach) {
        int tokens = batch.stream().mapToInt(TrainingSample::responseLength).sum();
        double loss = 0, clipped = 0, studentTokens = 0, wSum = 0, wCount = 0, klSum = 0;
        int masked = 0;
        for (int start = 0; start < batch.size(); start += microBatchSize) {
            List<TrainingSample> micro = batch.subList(start, Math.min(batch.size(), start + microBatchSize));
            Map<String, INDArray> ph = LossBatch.placeholders(micro, numSequences, numTokens, advMin, advMax);
            try (GradientRunner.Result r = runner.accumulate(ph, sums)) {
                loss += r.outputs().get(ThinkTuningLoss.LOSS).getDouble(0);
                afterEach.run();
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
        return new Sums(loss, clipped, studentTokens, wSum, wCount, masked, klSum, batch.size(), tokens);
    }

    ObjectiveConfig objective() {
        return objective;
    }
}
