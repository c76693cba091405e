package dev.thinktune.train;

import dev.thinktune.data.Example;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;
import dev.thinktune.rollout.RolloutEngine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code thinktune pretrain}: a fresh student of the configured shape, trained on question/solution pairs and
 * saved (after every epoch, atomically) as a Hugging Face directory with its tokenizer, its pretraining config
 * and its metrics.
 */
public final class PretrainRun {
    private PretrainRun() {
    }

    public static Map<String, Double> run(PretrainConfig cfg, PrintStream log) {
        ModelAssets assets = ModelAssets.load(Path.of(cfg.tokenizer()), "auto", cfg.data().instruction(), "");
        List<Example> train = ExampleFiles.read(cfg.data(), Path.of(cfg.data().train()), log);
        List<Example> test = cfg.data().test().isEmpty() ? List.of()
                : ExampleFiles.read(cfg.data(), Path.of(cfg.data().test()), log);
        PretrainConfig.Architecture a = cfg.architecture();
        int bos = assets.tokenizer().bosId().orElse(-1);
        int eot = assets.prompts().endOfTurnId();
        List<Integer> eos = new ArrayList<>(List.of(eot));
        assets.tokenizer().eosId().ifPresent(id -> {
            if (id != eot) {
                eos.add(id);
            }
        });
        LlamaConfig config = new LlamaConfig(assets.tokenizer().vocabSize(), a.hiddenSize(), a.intermediateSize(),
                a.numLayers(), a.numHeads(), a.numKvHeads(), a.hiddenSize() / a.numHeads(), 1e-5, a.ropeTheta(), null,
                a.maxPositions(), a.tieWordEmbeddings(), bos, eos);
        ModelWeights weights = ModelWeights.initialize(config, a.initStd(), cfg.seed());
        log.printf("pretraining a %,d-parameter student on %d examples (%d held out) -> %s%n",
                weights.parameterCount(), train.size(), test.size(), cfg.outputDir());
        StudentModel model = StudentModel.of(weights);
        Path out = Path.of(cfg.outputDir());
        TrainerCheckpoints saver = new TrainerCheckpoints(out.toAbsolutePath().getParent(), assets.tokenizerFiles(), 1);
        MetricsLog metrics = new MetricsLog(out.toAbsolutePath().getParent().resolve(out.getFileName() + ".pretrain.csv"));
        try (RolloutEngine engine = RolloutEngine.create(weights)) {
            Pretrainer p = new Pretrainer(cfg, model, assets.prompts(), new EngineSampler(engine), log);
            return p.run(train, test, m -> {
                saver.saveModel(out, weights);
                AtomicFiles.writeString(out.resolve("pretrain.yaml"), ConfigLoader.toYaml(cfg));
                metrics.append(m);
            });
        } finally {
            metrics.close();
        }
    }
}
