package dev.thinktune.train;

import dev.thinktune.data.DataFormatException;
import dev.thinktune.data.Datasets;
import dev.thinktune.data.Example;
import dev.thinktune.data.ReadOptions;
import dev.thinktune.data.ReadResult;
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
        List<Example> train = read(cfg.data(), Path.of(cfg.data().train()), log);
        List<Example> test = cfg.data().test().isEmpty() ? List.of() : read(cfg.data(), Path.of(cfg.data().test()), log);
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

    /** The examples of {@code path} in the section's format; malformed rows refused or skipped as it says. */
    static List<Example> read(TrainConfig.DataSection data, Path path, PrintStream log) {
        ReadResult r;
        try {
            r = Datasets.read(data.format(), path, data.strict() ? ReadOptions.strict() : ReadOptions.lenient());
        } catch (DataFormatException e) {
            throw new DataFormatException(e.file(), e.line(), e.field(), e.detail() + " (data.strict is true: a "
                    + "file with any malformed row is refused; set it to false to skip such rows with a warning)", e);
        }
        if (r.failedRows() > 0) {
            log.printf("%s: %d rows did not parse and were skipped (data.strict: true refuses such a file); "
                    + "first: %s%n", path, r.failedRows(), r.firstErrors().isEmpty() ? "" : r.firstErrors().get(0));
        }
        if (r.examples().isEmpty()) {
            throw new IllegalArgumentException(path + ": no usable examples");
        }
        return r.examples();
    }
}
