package dev.thinktune.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.thinktune.data.Example;
import dev.thinktune.eval.AccuracyEvaluator;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.PromptEncoder;
import dev.thinktune.rollout.SamplingParams;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A training run's held-out accuracy ({@code eval.*} of the config on the test split): measured with the run's
 * prompts and stop ids, printed, and written to {@code <out>/eval_<when>.json} so a resumed run reports the
 * "before" of its first start.
 */
final class HeldOutEvaluation {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainConfig cfg;
    private final PromptEncoder prompts;
    private final Set<Integer> stopIds;
    private final List<Example> test;
    private final Path out;
    private final PrintStream log;

    HeldOutEvaluation(TrainConfig cfg, PromptEncoder prompts, Set<Integer> stopIds, List<Example> test, Path out,
                      PrintStream log) {
        this.cfg = cfg;
        this.prompts = prompts;
        this.stopIds = stopIds;
        this.test = test;
        this.out = out;
        this.log = log;
    }

    /** Accuracy, mean length and question count, written to {@code eval_<when>.json}; empty without a test split. */
    Map<String, Double> evaluate(Generator generator, String when) {
        if (test.isEmpty()) {
            return Map.of();
        }
        SamplingParams p = cfg.eval().temperature() == 0
                ? SamplingParams.greedy(cfg.eval().maxNewTokens(), stopIds)
                : new SamplingParams(cfg.eval().temperature(), 1.0, 0, 0.0, cfg.eval().maxNewTokens(), stopIds,
                List.of(), Seeds.of(cfg.seed(), 0, Seeds.EVAL));
        AccuracyEvaluator.Result r = new AccuracyEvaluator(generator, prompts, Verifier.lenient(), 64)
                .evaluate(test, p, cfg.eval().samples());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", r.accuracy());
        m.put("length_mean", r.meanTokens());
        m.put("questions", (double) test.size());
        log.printf(Locale.ROOT, "held-out accuracy %s: %.3f on %d questions (mean %.1f tokens; %s)%n", when,
                r.accuracy(), test.size(), r.meanTokens(), AccuracyEvaluator.PROMPT);
        try {
            AtomicFiles.writeString(file(when), JSON.writeValueAsString(m) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /** An evaluation written by {@link #evaluate} (such as "before" of a resumed run), or nothing. */
    Map<String, Double> saved(String when) {
        Path file = file(when);
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try {
            Map<String, Double> m = new LinkedHashMap<>();
            JSON.readTree(file.toFile()).fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
            return m;
        } catch (IOException e) {
            return Map.of();
        }
    }

    private Path file(String when) {
        return out.resolve("eval_" + when + ".json");
    }
}
