package dev.thinktune.testing;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.tokenizer.Tokenizer;
import dev.thinktune.tokenizer.Tokenizers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/** Models and tokenizers built from the reference fixtures for tests that need a chat-capable pair. */
public final class TestModels {

    private TestModels() {
    }

    /** The fixture tokenizer: Llama 3 structure, 1024 ids, chat header tokens. */
    public static Tokenizer fixtureTokenizer() {
        return Tokenizers.load(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"));
    }

    /**
     * The tiny-llama3 fixture with its (tied) embedding widened from 384 rows to {@code vocab}, so that it takes
     * every id of the fixture tokenizer: the fixture's rows are kept, the new rows are seeded normal(0, 0.02).
     */
    public static ModelWeights tinyLlama3Widened(int vocab) {
        ModelWeights base = HfCheckpoint.load(Fixtures.model("tiny-llama3"));
        LlamaConfig c = base.config();
        if (!c.tieWordEmbeddings() || vocab < c.vocabSize()) {
            throw new IllegalStateException("expected a tied fixture no larger than " + vocab);
        }
        LlamaConfig wide = new LlamaConfig(vocab, c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.maxPositions(),
                c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenIds());
        Map<String, INDArray> tensors = new LinkedHashMap<>(base.tensors());
        INDArray embedding = base.get("model.embed_tokens.weight");
        INDArray extra = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(1234),
                new long[]{vocab - c.vocabSize(), c.hiddenSize()}).castTo(DataType.FLOAT).muli(0.02);
        tensors.put("model.embed_tokens.weight", Nd4j.concat(0, embedding, extra));
        return new ModelWeights(wide, tensors);
    }
}
