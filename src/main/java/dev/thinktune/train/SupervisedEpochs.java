package dev.thinktune.train;

import dev.thinktune.model.StudentModel;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Passes over supervised sequences (a prompt and its target, the loss on the target): the loop that pretraining,
 * SFT and STaR's fine-tuning share. Each epoch visits the samples in an order shuffled by the seed, the round and
 * the epoch; each update takes {@code batchSize} sequences, {@code microBatchSize} per forward/backward. The
 * run stops after {@code maxBadSteps} consecutive updates whose loss or gradient was not finite.
 *
 * @param epochs         passes over the samples
 * @param batchSize      sequences per optimizer update
 * @param microBatchSize sequences per forward/backward (gradient accumulation)
 * @param seed           the run's seed
 * @param round          a STaR iteration (0 for a single fine-tuning or pretraining run); part of the shuffle's seed
 * @param maxBadSteps    consecutive non-finite updates that stop the run, and the setting's name for the message
 * @param badStepsField  the config field that set {@code maxBadSteps}
 * @param label          the progress bar's label
 */
record SupervisedEpochs(int epochs, int batchSize, int microBatchSize, long seed, int round, int maxBadSteps,
                        String badStepsField, String label) {

    /** One optimizer update of the loop: its epoch (1-based) and what the trainer reported. */
    record Update(int epoch, SupervisedTrainer.Stats stats) {
    }

    /**
     * What one epoch did.
     *
     * @param epoch          1-based
     * @param meanLoss       mean loss of its finite updates (NaN when none was)
     * @param tokens         every token of its sequences, prompts included
     * @param seconds        its wall-clock time
     */
    record Epoch(int epoch, double meanLoss, long tokens, double seconds) {
    }

    /**
     * What the whole loop did.
     *
     * @param updates        optimizer updates run
     * @param meanLoss       mean loss of all finite updates (NaN when none was)
     * @param last           the last update's statistics (null when there were no samples)
     * @param targetTokens   tokens the loss was taken on
     */
    record Result(int updates, double meanLoss, SupervisedTrainer.Stats last, long targetTokens) {
    }

    SupervisedEpochs {
        TrainConfig.require(epochs >= 1, "epochs", epochs, ">= 1");
        TrainConfig.require(batchSize >= 1, "batch_size", batchSize, ">= 1");
        TrainConfig.require(microBatchSize >= 1, "micro_batch_size", microBatchSize, ">= 1");
        TrainConfig.require(maxBadSteps >= 1, badStepsField, maxBadSteps, ">= 1");
    }

    int updatesPerEpoch(int samples) {
        return (samples + batchSize - 1) / batchSize;
    }

    /** Runs the epochs on {@code model}; {@code onUpdate} sees every update, {@code afterEpoch} every epoch. */
    Result run(StudentModel model, TrainConfig.OptimizerSection optimizer, List<SupervisedSample> samples,
               PrintStream log, Consumer<Update> onUpdate, Consumer<Epoch> afterEpoch) {
        int perEpoch = updatesPerEpoch(samples.size());
        SupervisedTrainer trainer = new SupervisedTrainer(model, optimizer, Math.max(1, perEpoch * epochs));
        ProgressBar bar = new ProgressBar(log, label, perEpoch * epochs);
        double lossSum = 0;
        int good = 0;
        int bad = 0;
        int done = 0;
        long targetTokens = 0;
        SupervisedTrainer.Stats last = null;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            List<SupervisedSample> order = new ArrayList<>(samples);
            Collections.shuffle(order, new Random(Seeds.of(seed, (long) round * 1_000_003L + epoch, Seeds.SHUFFLE)));
            long t0 = System.nanoTime();
            double epochLoss = 0;
            int epochGood = 0;
            long tokens = 0;
            for (int u = 0; u < perEpoch; u++) {
                List<SupervisedSample> batch = order.subList(u * batchSize, Math.min(order.size(), (u + 1) * batchSize));
                last = trainer.update(batch, microBatchSize);
                targetTokens += last.tokens();
                tokens += batch.stream().mapToInt(s -> s.ids().length).sum();
                done++;
                if (last.skipped()) {
                    if (++bad >= maxBadSteps) {
                        throw new TrainingStoppedException("stopped after " + bad + " consecutive updates with a"
                                + " non-finite loss or gradient (" + badStepsField + ")");
                    }
                } else {
                    bad = 0;
                    lossSum += last.loss();
                    epochLoss += last.loss();
                    good++;
                    epochGood++;
                }
                onUpdate.accept(new Update(epoch, last));
                bar.update(done, String.format(Locale.ROOT, "epoch %d loss %.4f lr %.2e", epoch, last.loss(), last.lr()));
            }
            afterEpoch.accept(new Epoch(epoch, epochGood == 0 ? Double.NaN : epochLoss / epochGood, tokens,
                    (System.nanoTime() - t0) / 1e9));
        }
        return new Result(done, good == 0 ? Double.NaN : lossSum / good, last, targetTokens);
    }
}
