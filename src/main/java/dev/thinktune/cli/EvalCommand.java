package dev.thinktune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.thinktune.eval.Benchmark;
import dev.thinktune.eval.BudgetForcing;
import dev.thinktune.eval.EvalContext;
import dev.thinktune.eval.Evaluation;
import dev.thinktune.eval.Score;
import dev.thinktune.eval.Strategy;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.reward.Verifier;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.rollout.SamplingParams;
import dev.thinktune.train.ModelAssets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code thinktune eval}: a model on benchmarks under the paper's prompting strategies, over several sampling
 * seeds; writes results.md, results.csv and completions.jsonl.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, subcommands = EvalScoreCommand.class,
        description = {"Evaluate a model on benchmarks with the paper's prompting strategies (zero-shot CoT,"
                + " Self-Verify, Self-Correct, s1 budget forcing), accuracy as mean ± std over seeds.",
                "Writes results.md, results.csv and completions.jsonl into --out.",
                "With --temperature 0 (greedy) every seed gives the same answers; the seeds are still reported.",
                "`eval score` scores completions written by another engine with the same verifier."})
public final class EvalCommand implements Callable<Integer> {

    // not required by picocli, so that `eval score` needs neither; checked in call()
    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model directory (required).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter directory (adapter_config.json,"
            + " adapter_model.safetensors) for the model, applied beside its weights (not merged).")
    Path adapter;

    @Option(names = "--benchmark", paramLabel = "[LABEL:]FORMAT=PATH",
            description = {"A benchmark file and its format (gsm8k, math, aime, commonsenseqa, arc, gpqa, strategyqa,"
                    + " mmlu-pro); repeatable, at least one. LABEL names its column, e.g."
                    + " math500:math=data/math500.jsonl."})
    List<String> benchmarks = new ArrayList<>();

    @Option(names = "--strategy", split = ",", paramLabel = "NAME",
            description = "zero-shot-cot, self-verify, self-correct, budget-forcing (the paper's baselines), or"
                    + " training-prompt (the question exactly as train asks it, as train's held-out evaluation"
                    + " does); repeatable or comma-separated (default: zero-shot-cot).")
    List<String> strategies = new ArrayList<>();

    @Option(names = "--seeds", description = "Sampling seeds per benchmark and strategy (default: ${DEFAULT-VALUE}).")
    int seeds = 3;

    @Option(names = "--seed", description = "The first sampling seed; seeds are seed, seed+1, ... (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--max-new-tokens", description = "Longest answer per turn, in tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens = 1024;

    @Option(names = "--temperature", description = "Sampling temperature, 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature = 0.6;

    @Option(names = "--top-p", description = "Nucleus mass, 1 = off (default: ${DEFAULT-VALUE}).")
    double topP = 0.9;

    @Option(names = "--top-k", description = "Keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = 0;

    @Option(names = "--limit", description = "Evaluate the first N questions of each benchmark, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit = 0;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/eval-<timestamp>).")
    Path out;

    @Option(names = "--budget", description = "Budget forcing: thinking budget in generated tokens (default: ${DEFAULT-VALUE}).")
    int budget = BudgetForcing.DEFAULT_BUDGET;

    @Option(names = "--max-waits", description = "Budget forcing: most forced continuations (\"Wait\") per question (default: ${DEFAULT-VALUE}).")
    int maxWaits = BudgetForcing.DEFAULT_MAX_WAITS;

    @Option(names = "--wait-text", description = "Budget forcing: text appended at an early stop (default: \"\\nWait\").")
    String waitText = BudgetForcing.DEFAULT_WAIT;

    @Option(names = "--answer-suffix", description = "Budget forcing: text that forces the final answer (default: \"\\n\\nFinal Answer: \\boxed{\").")
    String answerSuffix = BudgetForcing.DEFAULT_ANSWER_SUFFIX;

    @Option(names = "--answer-tokens", description = "Budget forcing: longest forced answer, in tokens (default: ${DEFAULT-VALUE}).")
    int answerTokens = BudgetForcing.DEFAULT_ANSWER_TOKENS;

    @Option(names = "--batch-size", description = "Questions per batched generate call (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--threads", description = "Decoder threads, 0 = all processors (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer file or directory (default: the model directory).")
    Path tokenizer;

    @Option(names = "--chat-template", description = "auto, chatml, llama3 or plain (default: ${DEFAULT-VALUE}).")
    String chatTemplate = "auto";

    @Option(names = "--system-prompt", description = "System message before every question (default: none).")
    String systemPrompt = "";

    @Option(names = "--instruction", description = "Replaces the answer-format instruction of every question"
            + " (default: each answer type's \\boxed{} instruction).")
    String instruction = "";

    @Option(names = "--data-seed", description = "Seed of the choice shuffle of GPQA (default: ${DEFAULT-VALUE}).")
    long dataSeed = 0;

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.out;
        validate();
        BudgetForcing forcing = new BudgetForcing(budget, maxWaits, waitText, answerSuffix, answerTokens);
        List<Strategy> chosen = new ArrayList<>();
        for (String s : strategies.isEmpty() ? List.of("zero-shot-cot") : strategies) {
            if (!s.isBlank()) {
                chosen.add(Strategy.named(s, forcing));
            }
        }
        ModelDirectories.require(model);
        LoraAdapters adapters = adapter == null ? null : AdapterDirectories.read(adapter, model);
        List<Benchmark> sets = new ArrayList<>();
        for (String b : benchmarks) {
            Benchmark set = Benchmark.Spec.parse(b).read(limit, dataSeed, log);
            log.printf("%s: %d questions from %s%n", set.name(), set.examples().size(), set.path());
            sets.add(set);
        }
        ModelAssets assets = ModelAssets.load(tokenizer == null ? model : tokenizer, chatTemplate, instruction,
                systemPrompt);
        Set<Integer> stopIds = assets.prompts().stopIds(HfCheckpoint.readConfig(model).eosTokenIds());
        SamplingParams params = new SamplingParams(temperature, topP, topK, 0.0, maxNewTokens, stopIds, List.of(), seed);
        List<Long> seedValues = new ArrayList<>();
        for (int i = 0; i < seeds; i++) {
            seedValues.add(seed + i);
        }
        Path dir = out != null ? out : Path.of("runs", "eval-" + LocalDateTime.now().format(
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        Files.createDirectories(dir);
        Map<String, Object> settings = settings(chosen, seedValues);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("eval_settings.json").toFile(),
                settings);
        try (RolloutEngine engine = AdapterDirectories.engine(model, adapters,
                RolloutEngine.Options.defaults().withThreads(threads))) {
            EvalContext ctx = new EvalContext(engine, assets.prompts(), params, batchSize, engine.maxSequenceLength());
            Evaluation.Options options = new Evaluation.Options(chosen, seedValues, Verifier.lenient(),
                    "Evaluation of " + model + (adapter == null ? "" : " with adapter " + adapter),
                    notes(chosen, seedValues));
            Evaluation.Report report = new Evaluation(ctx, options, log).run(sets, dir);
            for (Score s : report.scores()) {
                log.printf(Locale.ROOT, "%-14s %-16s accuracy %6.2f ± %5.2f %%  tokens %.1f%n", s.benchmark(),
                        s.strategy(), 100 * s.accuracyMean(), 100 * s.accuracyStd(), s.tokensMean());
            }
            log.println("results: " + report.markdown() + ", " + report.csv() + ", " + report.completions());
        }
        log.flush();
        return 0;
    }

    private void validate() {
        require(model != null, "Missing required option: '--model=DIR' (or run `eval score` to score completions"
                + " written elsewhere)");
        require(!benchmarks.isEmpty(), "Missing required option: '--benchmark=[LABEL:]FORMAT=PATH'");
        require(seeds >= 1, "--seeds must be >= 1");
        require(maxNewTokens >= 1, "--max-new-tokens must be >= 1");
        require(temperature >= 0, "--temperature must be >= 0");
        require(topP > 0 && topP <= 1, "--top-p must be in (0, 1]");
        require(topK >= 0, "--top-k must be >= 0");
        require(limit >= 0, "--limit must be >= 0");
        require(batchSize >= 1, "--batch-size must be >= 1");
        require(threads >= 0, "--threads must be >= 0");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private List<String> notes(List<Strategy> chosen, List<Long> seedValues) {
        List<String> n = new ArrayList<>();
        n.add("model: `" + model + "`" + (adapter == null ? "" : ", with the LoRA adapter `" + adapter + "`"));
        n.add(String.format(Locale.ROOT, "sampling: %s, at most %d new tokens per turn", temperature == 0
                ? "greedy (temperature 0: every seed gives the same answers; answered once, reported per seed)"
                : String.format(Locale.ROOT, "temperature %s, top-p %s%s", temperature, topP,
                topK > 0 ? ", top-k " + topK : ""), maxNewTokens));
        n.add("seeds: " + seedValues);
        for (Strategy s : chosen) {
            n.add("prompt of " + s.name() + ": " + s.prompt());
        }
        if (chosen.stream().anyMatch(s -> s instanceof BudgetForcing)) {
            n.add(String.format(Locale.ROOT, "budget forcing: %d thinking tokens, at most %d forced continuations,"
                    + " forced answer of at most %d tokens", budget, maxWaits, answerTokens));
        }
        if (limit > 0) {
            n.add("first " + limit + " questions of each benchmark");
        }
        return n;
    }

    private Map<String, Object> settings(List<Strategy> chosen, List<Long> seedValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toString());
        if (adapter != null) {
            m.put("adapter", adapter.toString());
        }
        m.put("benchmarks", benchmarks);
        m.put("strategies", chosen.stream().map(Strategy::name).toList());
        m.put("seeds", seedValues);
        m.put("temperature", temperature);
        m.put("top_p", topP);
        m.put("top_k", topK);
        m.put("max_new_tokens", maxNewTokens);
        m.put("limit", limit);
        m.put("budget", budget);
        m.put("max_waits", maxWaits);
        m.put("wait_text", waitText);
        m.put("answer_suffix", answerSuffix);
        m.put("answer_tokens", answerTokens);
        m.put("batch_size", batchSize);
        m.put("chat_template", chatTemplate);
        m.put("system_prompt", systemPrompt);
        m.put("instruction", instruction);
        m.put("data_seed", dataSeed);
        return m;
    }
}
