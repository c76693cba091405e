package dev.thinktune.train;

import dev.thinktune.model.GradientRunner;
import dev.thinktune.model.SessionArrayCache;
import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Supervised next-token training of the student graph on response tokens (pretraining, SFT, STaR's
 * fine-tuning): gradient accumulation over micro-batches, global-norm clipping, AdamW, non-finite updates
 * skipped.
 */
public final class SupervisedTrainer {
    private final StudentModel model;
    private final OptimizerStep optimizer;
    private final GradientRunner runner;

    public SupervisedTrainer(StudentModel model, TrainConfig.OptimizerSection opt, int totalUpdates) {
        this.model = model;
        this.optimizer = new OptimizerStep(model.trainable(), opt, totalUpdates);
        NextTokenLoss.attach(model);
        this.runner = new GradientRunner(model.graph(), new ArrayList<>(model.trainable().keySet()),
                List.of(NextTokenLoss.LOSS));
    }

    public AdamW optimizer() {
        return optimizer.optimizer();
    }

    public long updates() {
        return optimizer.updates();
    }

    /** Loss (mean negative log-likelihood per response token), gradient norm, lr and whether it was skipped. */
    public record Stats(double loss, double gradNorm, double lr, boolean skipped, int tokens) {
    }

    public Stats update(List<SupervisedSample> batch, int microBatchSize) {
        int tokens = batch.stream().mapToInt(SupervisedSample::responseLength).sum();
        optimizer.reset();
        double loss = 0;
        for (int s = 0; s < batch.size(); s += microBatchSize) {
            List<SupervisedSample> micro = batch.subList(s, Math.min(batch.size(), s + microBatchSize));
            Map<String, INDArray> ph = placeholders(micro, tokens);
            try (GradientRunner.Result r = runner.accumulate(ph, optimizer.sums())) {
                loss += r.outputs().get(NextTokenLoss.LOSS).getDouble(0);
                optimizer.passDone();
            } finally {
                GradientRunner.release(ph);
            }
        }
        OptimizerStep.Applied a = optimizer.apply(loss);
        return new Stats(loss, a.gradNorm(), a.lr(), a.skipped(), tokens);
    }

    /** Mean negative log-likelihood of the response tokens, without updating. */
    public double loss(List<SupervisedSample> batch, int microBatchSize) {
        int tokens = batch.stream().mapToInt(SupervisedSample::responseLength).sum();
        double loss = 0;
        for (int s = 0; s < batch.size(); s += microBatchSize) {
            List<SupervisedSample> micro = batch.subList(s, Math.min(batch.size(), s + microBatchSize));
            loss += model.graph().output(placeholders(micro, tokens), NextTokenLoss.LOSS)
                    .get(NextTokenLoss.LOSS).getDouble(0);
        }
        // the forward-only session's cached arrays would otherwise stay resident beside the training passes'
        SessionArrayCache.clearAll();
        return loss;
    }

    static Map<String, INDArray> placeholders(List<SupervisedSample> batch, int totalTokens) {
        int b = batch.size();
        int longest = batch.stream().mapToInt(x -> x.ids().length).max().orElse(2);
        int t = (longest + LossBatch.BUCKET - 1) / LossBatch.BUCKET * LossBatch.BUCKET;
        int[] ids = new int[b * t];
        float[] attn = new float[b * t];
        float[] mask = new float[b * (t - 1)];
        for (int i = 0; i < b; i++) {
            SupervisedSample s = batch.get(i);
            for (int j = 0; j < s.ids().length; j++) {
                ids[i * t + j] = s.ids()[j];
                attn[i * t + j] = 1f;
            }
            for (int j = s.promptLength() - 1; j < s.ids().length - 1; j++) {
                mask[i * (t - 1) + j] = 1f;
            }
        }
        Map<String, INDArray> ph = new HashMap<>(TokenBatch.of(b, t, ids, attn).placeholders());
        ph.put(NextTokenLoss.LOSS_MASK, Nd4j.createFromArray(mask).reshape(b, t - 1));
        ph.put(NextTokenLoss.NUM_TOKENS, Nd4j.scalar((float) Math.max(1, totalTokens)));
        return ph;
    }
}
