package dev.thinktune.train;

import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervised loop that pretraining, SFT and STaR share: its batches, epochs and stop rule. */
class SupervisedEpochsTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private static ModelWeights weights() {
        return ModelWeights.initialize(LlamaConfig.of(64, 32, 64, 2, 4, 2, 64, true, 0, 1), 0.02, 5);
    }

    /** Five sequences of 4 to 8 tokens, the loss on all but the first two. */
    private static List<SupervisedSample> samples() {
        List<SupervisedSample> s = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int[] ids = new int[4 + i];
            for (int t = 0; t < ids.length; t++) {
                ids[t] = 1 + (7 * i + 3 * t) % 60;
            }
            s.add(new SupervisedSample(ids, 2));
        }
        return s;
    }

    @Test
    void everyEpochVisitsEverySampleInBatchesAndReportsItsTokens() {
        SupervisedEpochs loop = new SupervisedEpochs(2, 2, 1, 7, 0, 3, "max_bad_steps", "test");
        List<Integer> updateEpochs = new ArrayList<>();
        List<SupervisedEpochs.Epoch> epochs = new ArrayList<>();
        SupervisedEpochs.Result r = loop.run(StudentModel.of(weights()), TrainConfig.OptimizerSection.DEFAULTS,
                samples(), QUIET, u -> updateEpochs.add(u.epoch()), epochs::add);
        assertEquals(List.of(1, 1, 1, 2, 2, 2), updateEpochs, "ceil(5 / 2) = 3 updates an epoch");
        assertEquals(6, r.updates());
        assertEquals(2, epochs.size());
        for (SupervisedEpochs.Epoch e : epochs) {
            assertEquals(4 + 5 + 6 + 7 + 8, e.tokens(), "every sequence once, prompts included");
            assertTrue(Double.isFinite(e.meanLoss()) && e.meanLoss() > 0, "loss " + e.meanLoss());
        }
        assertEquals(2 * (2 + 3 + 4 + 5 + 6), r.targetTokens(), "the loss's tokens: those after the prompt");
    }

    @Test
    void aRunOfNonFiniteUpdatesStopsItAndNamesTheSetting() {
        ModelWeights broken = weights();
        broken.get("model.embed_tokens.weight").assign(Double.NaN);
        SupervisedEpochs loop = new SupervisedEpochs(3, 1, 1, 7, 0, 2, "max_bad_steps", "test");
        List<SupervisedTrainer.Stats> seen = new ArrayList<>();
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> loop.run(
                StudentModel.of(broken), TrainConfig.OptimizerSection.DEFAULTS, samples(), QUIET,
                u -> seen.add(u.stats()), ep -> { }));
        assertEquals(1, seen.size(), "the second bad update stops the run before it is reported");
        assertTrue(seen.get(0).skipped());
        assertTrue(e.getMessage().contains("2 consecutive updates") && e.getMessage().contains("(max_bad_steps)"),
                e.getMessage());
    }

    @Test
    void settingsAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SupervisedEpochs(1, 1, 1, 7, 0, 0, "training.max_bad_steps", "x"));
        assertTrue(e.getMessage().contains("training.max_bad_steps"), e.getMessage());
    }
}
