package dev.thinktune.testing;

import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.arch.Architecture;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.train.ConfigLoader;
import dev.thinktune.train.TrainConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A whole training run's inputs at test size: a tiny seeded student with the fixture tokenizer, and its data. */
public final class TinyRun {
    private TinyRun() {
    }

    /** A 2-layer student over the fixture tokenizer's vocabulary, saved as {@code dir/student}. */
    public static Path student(Path dir) {
        Tokenizer tok = TestModels.fixtureTokenizer();
        Path out = dir.resolve("student");
        ModelWeights w = ModelWeights.initialize(LlamaConfig.of(tok.vocabSize(), 32, 64, 2, 4, 2, 256, true, 0, 4),
                0.02, 3);
        HfCheckpoint.save(out, w);
        try {
            Files.copy(Fixtures.root().resolve("tokenizer/tokenizer.json"), out.resolve("tokenizer.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * {@link #student}'s shape as a Qwen2 model, saved as {@code dir/qwen2-student}: q/k/v biases seeded normal(0,
     * 0.1) (not zero, so they matter), and the fixture tokenizer made Qwen2-style: Qwen2's split regex (one digit
     * a piece) and ChatML's markers in place of Llama 3's ({@code <|endoftext|>} 0, {@code <|im_start|>} 2,
     * {@code <|im_end|>} 3), so the chat template is ChatML.
     */
    public static Path qwen2Student(Path dir) {
        Tokenizer tok = TestModels.fixtureTokenizer();
        Path out = dir.resolve("qwen2-student");
        LlamaConfig config = new LlamaConfig(tok.vocabSize(), 32, 64, 2, 4, 2, 8, 1e-6, 1_000_000.0, null, 256,
                true, -1, List.of(3, 0), Architecture.QWEN2);
        ModelWeights w = ModelWeights.initialize(config, 0.02, 3);
        org.nd4j.linalg.api.rng.Random rng = Nd4j.getRandomFactory().getNewRandomInstance(4);
        w.tensors().forEach((name, a) -> {
            if (name.endsWith(".bias")) {
                a.assign(Nd4j.randn(rng, a.shape()).castTo(a.dataType()).muli(0.1));
            }
        });
        try {
            String json = Files.readString(Fixtures.root().resolve("tokenizer/tokenizer.json"))
                    .replace("<|begin_of_text|>", "<|endoftext|>").replace("<|start_header_id|>", "<|im_start|>")
                    .replace("<|end_header_id|>", "<|im_end|>").replace("\\p{N}{1,3}", "\\p{N}");
            HfCheckpoint.save(out, w, DType.F32, Map.of("tokenizer.json", json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * A guided ThinkTuning run over {@code model} and {@code data} into {@code out} at test size: 2 questions x 4
     * answers of 8 tokens a step, 3 guided steps, two mini-batches of 4 per step, a checkpoint every 2 steps, seed 17,
     * no evaluation; {@code overrides} (steps, micro-batch, learning rate, ...) are applied after these.
     */
    public static TrainConfig config(Path model, Path data, Path out, String... overrides) {
        List<String> sets = new ArrayList<>(List.of("mode=thinktune", "model.path=" + model, "data.train=" + data,
                "data.test=", "output_dir=" + out, "training.questions_per_step=2", "rollout.n=4",
                "rollout.max_new_tokens=8", "guidance.k=3", "guidance.teacher.max_new_tokens=64", "training.mu=2",
                "training.mini_batch_size=4", "training.checkpoint_every=2", "eval.questions=0", "seed=17"));
        sets.addAll(List.of(overrides));
        return ConfigLoader.load(sets);
    }

    /** Twelve GSM8K-format questions "Mark has i apples and buys 2 more", as {@code dir/train.jsonl}. */
    public static Path data(Path dir) {
        Path f = dir.resolve("train.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            sb.append("{\"question\": \"Mark has ").append(i).append(" apples and buys 2 more. How many?\", ")
                    .append("\"answer\": \"").append(i).append(" + 2 = ").append(i + 2).append("\\n#### ")
                    .append(i + 2).append("\"}\n");
        }
        try {
            Files.writeString(f, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }
}
