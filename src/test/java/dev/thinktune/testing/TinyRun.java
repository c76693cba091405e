package dev.thinktune.testing;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
