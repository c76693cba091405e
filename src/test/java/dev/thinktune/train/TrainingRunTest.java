package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.data.PromptFormatter;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.reward.RewardFunction;
import dev.thinktune.reward.RewardInput;
import dev.thinktune.reward.RewardTerm;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.teacher.Guide;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TestModels;
import dev.thinktune.tokenizer.ChatTemplate;
import dev.thinktune.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole runs on a tiny student: checkpoints, exact resume, and bad updates that never reach the weights. */
class TrainingRunTest {
    @TempDir
    Path tmp;

    private static final Tokenizer TOK = TestModels.fixtureTokenizer();

    private Path modelDir() throws IOException {
        Path dir = tmp.resolve("student");
        ModelWeights w = ModelWeights.initialize(LlamaConfig.of(TOK.vocabSize(), 32, 64, 2, 4, 2, 256, true, 0, 4),
                0.02, 3);
        HfCheckpoint.save(dir, w);
        Files.copy(Fixtures.root().resolve("tokenizer/tokenizer.json"), dir.resolve("tokenizer.json"));
        return dir;
    }

    private Path data() throws IOException {
        Path f = tmp.resolve("train.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            sb.append("{\"question\": \"Mark has ").append(i).append(" apples and buys 2 more. How many?\", ")
                    .append("\"answer\": \"").append(i).append(" + 2 = ").append(i + 2).append("\\n#### ")
                    .append(i + 2).append("\"}\n");
        }
        Files.writeString(f, sb);
        return f;
    }

    private TrainConfig config(Path model, Path data, Path out, int steps) {
        return ConfigLoader.load(List.of("mode=thinktune", "model.path=" + model, "data.train=" + data, "data.test=",
                "output_dir=" + out, "training.steps=" + steps, "training.questions_per_step=2", "rollout.n=4",
                "rollout.max_new_tokens=8", "guidance.k=3", "guidance.teacher.max_new_tokens=64", "training.mu=2",
                "training.mini_batch_size=4", "training.micro_batch_size=4", "training.checkpoint_every=2",
                "optimizer.lr=0.001", "eval.questions=0", "seed=17", "training.log_samples=2"));
    }

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void aRunStoppedAndResumedEndsWithTheWeightsOfOneThatNeverStopped() throws IOException {
        Path model = modelDir(), data = data();
        TrainingRun.Outcome straight = new TrainingRun(config(model, data, tmp.resolve("a"), 4), QUIET).run(false);
        // the same run, stopped after step 2 ...
        new TrainingRun(config(model, data, tmp.resolve("b"), 2), QUIET).run(false);
        // ... and resumed to step 4
        TrainingRun.Outcome resumed = new TrainingRun(config(model, data, tmp.resolve("b"), 4), QUIET).run(true);
        assertEquals(4, resumed.state().step());
        assertEquals(straight.state(), resumed.state());
        ModelWeights a = HfCheckpoint.load(straight.finalModel());
        ModelWeights b = HfCheckpoint.load(resumed.finalModel());
        for (Map.Entry<String, INDArray> e : a.tensors().entrySet()) {
            assertArrayEquals(e.getValue().data().asFloat(), b.get(e.getKey()).data().asFloat(), 0f, e.getKey());
        }
        ModelWeights initial = HfCheckpoint.load(model);
        assertTrue(!java.util.Arrays.equals(initial.get("model.norm.weight").data().asFloat(),
                a.get("model.norm.weight").data().asFloat()), "training changed the weights");
        // metrics: one row per step, the resumed file equal in steps to the straight one
        assertEquals(4, MetricsLog.read(straight.metricsFile()).size());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0), MetricsLog.read(resumed.metricsFile()).stream()
                .map(r -> r.get("step")).toList());
        // samples: every response of every step (both groups), the resumed file line for line the straight one's
        List<SampleRecord> samples = SampleLog.read(tmp.resolve("a").resolve(TrainingRun.SAMPLES_FILE));
        assertEquals(samples, SampleLog.read(tmp.resolve("b").resolve(TrainingRun.SAMPLES_FILE)));
        List<Map<String, Double>> rows = MetricsLog.read(straight.metricsFile());
        for (int step = 1; step <= 4; step++) {
            int st = step;
            List<SampleRecord> ofStep = samples.stream().filter(r -> r.step() == st).toList();
            assertEquals(8, ofStep.size(), "2 questions x 4 answers");
            assertEquals(2, ofStep.stream().map(SampleRecord::questionId).distinct().count());
            assertEquals(0.0, ofStep.stream().mapToDouble(SampleRecord::advantage).sum(), 1e-9, "advantages");
            long guided = ofStep.stream().filter(SampleRecord::guided).count();
            assertEquals(rows.get(step - 1).get("guided_fraction"), guided / 8.0, 1e-9, "step " + step);
            assertEquals(rows.get(step - 1).get("reward/mean"),
                    ofStep.stream().mapToDouble(SampleRecord::reward).average().orElseThrow(), 1e-9);
            for (SampleRecord r : ofStep) {
                assertEquals(r.guided(), r.teacherTokens() > 0);
                assertTrue(!r.guided() || "eos".equals(r.finish()), "a guided response ends with EOS");
            }
        }
        // checkpoints: kept, complete, loadable
        Path latest = new TrainerCheckpoints(tmp.resolve("b"), List.of(), 2).latest().orElseThrow();
        assertTrue(latest.endsWith("step-000004"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", TrainerCheckpoints.OPTIMIZER,
                TrainerCheckpoints.STATE, TrainerCheckpoints.CONFIG)) {
            assertTrue(Files.isRegularFile(latest.resolve(f)), f);
        }
        assertEquals(config(model, data, tmp.resolve("b"), 4),
                ConfigLoader.parse(Files.readString(latest.resolve(TrainerCheckpoints.CONFIG)), "saved"));
        List<Double> guided = MetricsLog.read(straight.metricsFile()).stream()
                .map(r -> r.getOrDefault("guidance/scheduled_fraction", 0.0)).toList();
        assertEquals(List.of(1.0, 1.0, 1.0, 0.0), guided, "guided while step <= k");
    }

    @Test
    void nonFiniteUpdatesAreSkippedCountedAndStopTheRunWithTheWeightsUntouched() {
        RewardTerm nan = new RewardTerm() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public double score(RewardInput in) {
                return in.completionIds().length % 2 == 0 ? Double.NaN : 1.0;
            }
        };
        TrainConfig cfg = ConfigLoader.load(List.of("mode=grpo", "guidance.k=0", "rollout.n=4",
                "rollout.max_new_tokens=4", "training.questions_per_step=2", "training.max_bad_steps=2",
                "objective.beta=0", "seed=3"));
        ModelWeights w = ModelWeights.initialize(LlamaConfig.of(TOK.vocabSize(), 32, 64, 2, 4, 2, 256, true, 0, 4),
                0.02, 3);
        float[] before = w.get("model.layers.0.mlp.up_proj.weight").data().asFloat();
        PromptEncoder p = new PromptEncoder(TOK, ChatTemplate.forTokenizer(TOK), PromptFormatter.questionOnly(), "");
        List<Example> qs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            qs.add(new Example("q" + i, "Question " + i, "1", "", List.of(), Example.AnswerType.NUMBER));
        }
        try (RolloutEngine engine = RolloutEngine.create(w)) {
            ThinkTuningTrainer t = new ThinkTuningTrainer(cfg, new ThinkTuningTrainer.Parts(StudentModel.of(w),
                    new EngineSampler(engine), null, Guide.NONE,
                    RewardFunction.of(List.of(new RewardFunction.WeightedTerm(nan, 1.0))), p, p.stopIds(List.of()), qs));
            ThinkTuningTrainer.StepResult first = t.step(1, TrainerState.start(3));
            assertEquals(1, first.state().consecutiveBad());
            assertEquals(1.0, first.metrics().get("bad_updates"));
            assertArrayEquals(before, w.get("model.layers.0.mlp.up_proj.weight").data().asFloat(), 0f);
            TrainingStoppedException e = assertThrows(TrainingStoppedException.class, () -> t.step(2, first.state()));
            assertTrue(e.getMessage().contains("2 updates in a row"), e.getMessage());
            assertArrayEquals(before, w.get("model.layers.0.mlp.up_proj.weight").data().asFloat(), 0f);
        }
    }
}
