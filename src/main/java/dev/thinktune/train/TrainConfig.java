package dev.thinktune.train;

import dev.thinktune.model.LayerActivations;

import dev.thinktune.config.ConfigDefaults;
import dev.thinktune.config.Default;
import dev.thinktune.config.Help;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.reward.RewardConfig;

import java.util.List;

/**
 * Everything a training run needs, as one immutable record tree. Read from YAML or JSON by
 * {@link ConfigLoader} (snake_case keys, every knob optional with the default given here), validated up front,
 * and written next to every checkpoint so a run can be reproduced and resumed.
 */
public record TrainConfig(
        @Default("\"thinktune\"")
        @Help("{@code thinktune} (GRPO with guidance), {@code grpo} (same loop, k = 0), {@code sft}, {@code star}")
        Mode mode,
        @Default("42") @Help("seeds every random choice of the run (data order, sampling, guidance)") long seed,
        @Default("\"runs/train\"") @Help("where checkpoints, metrics and the report go") String outputDir,
        ModelSection model,
        DataSection data,
        RolloutSection rollout,
        GuidanceSection guidance,
        ObjectiveConfig objective,
        OptimizerSection optimizer,
        StepsSection training,
        EvalSection eval,
        RewardConfig reward,
        StarSection star,
        @Help("where the steps run when scaled out ({@link DistributedSection}); in this process by default")
        DistributedSection distributed) {

    /** A config that runs in this process. */
    public TrainConfig(Mode mode, long seed, String outputDir, ModelSection model, DataSection data,
                       RolloutSection rollout, GuidanceSection guidance, ObjectiveConfig objective,
                       OptimizerSection optimizer, StepsSection training, EvalSection eval, RewardConfig reward,
                       StarSection star) {
        this(mode, seed, outputDir, model, data, rollout, guidance, objective, optimizer, training, eval, reward, star,
                DistributedSection.DEFAULTS);
    }

    public TrainConfig {
        require(mode != null, "mode", mode, "thinktune, grpo, sft or star");
        require(outputDir != null && !outputDir.isBlank(), "output_dir", outputDir, "a directory path");
        require(model != null, "model", null, "a section");
        require(data != null, "data", null, "a section");
        require(rollout != null, "rollout", null, "a section");
        require(guidance != null, "guidance", null, "a section");
        require(objective != null, "objective", null, "a section");
        require(optimizer != null, "optimizer", null, "a section");
        require(training != null, "training", null, "a section");
        require(eval != null, "eval", null, "a section");
        require(reward != null, "reward", null, "a section");
        require(star != null, "star", null, "a section");
        distributed = distributed == null ? DistributedSection.DEFAULTS : distributed;
        reward.validate();
        int perStep = training.questionsPerStep() * rollout.n();
        if (training.miniBatchSize() > 0 && perStep % training.miniBatchSize() != 0) {
            throw new ConfigException("training.mini_batch_size", training.miniBatchSize(),
                    "a divisor of questions_per_step * rollout.n = " + perStep);
        }
        if (guidance.gamma() > rollout.n()) {
            throw new ConfigException("guidance.gamma", guidance.gamma(), "at most rollout.n = " + rollout.n());
        }
    }

    static void require(boolean ok, String field, Object value, String allowed) {
        if (!ok) {
            throw new ConfigException(field, value, allowed);
        }
    }

    /** The defaults of every field (a ThinkTuning run of the paper's shape, sized for a small model). */
    public static TrainConfig defaults() {
        return ConfigDefaults.of(TrainConfig.class);
    }

    /** Whether step {@code step} (1-based) of this run is a guided one at all. */
    public boolean usesGuidance() {
        return mode == Mode.THINKTUNE && guidance.k() > 0;
    }

    /** How the run trains. */
    public enum Mode {
        THINKTUNE, GRPO, SFT, STAR;

        @JsonValue
        public String id() {
            return ConfigEnums.id(this);
        }

        @JsonCreator
        public static Mode parse(String s) {
            return ConfigEnums.parse(Mode.class, "mode", s);
        }
    }

    public record ModelSection(
            @Default("\"models/arith-tiny\"")
            @Help("Hugging Face directory of the student (config.json + safetensors)") String path,
            @Default("\"\"") @Help("tokenizer file or directory; empty = the model directory") String tokenizer,
            @Default("\"auto\"")
            @Help("{@code auto} (ChatML or Llama 3 when the tokenizer has their markers, else plain), {@code chatml},"
                    + " {@code llama3} or {@code plain}") String chatTemplate,
            @Default("\"\"") @Help("system message put before every question; empty = none") String systemPrompt,
            @Default("null")
            @Help("low-rank adapters to train instead of the weights ({@link LoraConfig} lists the fields and "
                    + "defaults: {@code lora: {}} takes them all); absent (null) = full fine-tuning") LoraConfig lora) {
        public static final ModelSection DEFAULTS = ConfigDefaults.of(ModelSection.class);

        public ModelSection(String path, String tokenizer, String chatTemplate, String systemPrompt) {
            this(path, tokenizer, chatTemplate, systemPrompt, null);
        }

        public ModelSection {
            if (lora != null) {
                lora.requireTrainable();
            }
            require(path != null && !path.isBlank(), "model.path", path, "a model directory");
            tokenizer = tokenizer == null ? "" : tokenizer;
            systemPrompt = systemPrompt == null ? "" : systemPrompt;
            require(List.of("auto", "chatml", "llama3", "plain").contains(chatTemplate), "model.chat_template",
                    chatTemplate, "auto, chatml, llama3 or plain");
        }
    }

    public record DataSection(
            @Default("\"gsm8k\"")
            @Help("dataset format (gsm8k, math, aime, commonsenseqa, arc, gpqa, strategyqa, mmlu-pro, csv, jsonl)")
            String format,
            @Default("\"data/arith/train.jsonl\"") @Help("training file") String train,
            @Default("\"data/arith/test.jsonl\"")
            @Help("held-out file for the before/after report; empty = none") String test,
            @Default("\"\"")
            @Help("replaces the task instruction after each question; empty = the format's default") String instruction,
            @Default("256") @Help("questions whose prompt is longer are skipped (counted)") int maxPromptTokens,
            @Default("false")
            @Help("refuse a file with any malformed row, naming the first; false = skip such rows with a warning "
                    + "that counts them and shows the first") boolean strict) {
        public static final DataSection DEFAULTS = ConfigDefaults.of(DataSection.class);

        public DataSection {
            require(format != null && !format.isBlank(), "data.format", format, "a dataset format name");
            require(train != null && !train.isBlank(), "data.train", train, "a file path");
            test = test == null ? "" : test;
            instruction = instruction == null ? "" : instruction;
            require(maxPromptTokens > 0, "data.max_prompt_tokens", maxPromptTokens, "> 0");
        }
    }

    public record RolloutSection(
            @Default("8") @Help("responses sampled per question (the group size)") int n,
            @Default("1.0") @Help("sampling temperature of rollouts (the method samples at 1.0)") double temperature,
            @Default("1.0") @Help("nucleus sampling mass (1 = off)") double topP,
            @Default("0") @Help("top-k sampling (0 = off)") int topK,
            @Default("256")
            @Help("the longest response, in tokens; longer ones are truncated (and score 0)") int maxNewTokens) {
        public static final RolloutSection DEFAULTS = ConfigDefaults.of(RolloutSection.class);

        public RolloutSection {
            require(n >= 2, "rollout.n", n, ">= 2 (advantages are relative to the group)");
            require(temperature > 0 && temperature <= 10, "rollout.temperature", temperature, "in (0, 10]");
            require(topP > 0 && topP <= 1, "rollout.top_p", topP, "in (0, 1]");
            require(topK >= 0, "rollout.top_k", topK, ">= 0");
            require(maxNewTokens > 0, "rollout.max_new_tokens", maxNewTokens, "> 0");
        }
    }

    public record GuidanceSection(
            @Default("10")
            @Help("guided steps: steps 1..k are guided ({@code schedule: constant}), or guidance decays linearly to "
                    + "0 over k steps ({@code linear-decay}); 0 = plain GRPO") int k,
            @Default("1") @Help("responses per guided group that the teacher extends") int gamma,
            @Default("\"constant\"") @Help("{@code constant} or {@code linear-decay}") Schedule schedule,
            @Default("0.0") @Help("with linear decay, the guided fraction under which guidance stops") double cutoff,
            @Default("[\"self-conflict\",\"self-critique\",\"self-agreement\",\"self-consultancy\"]")
            @Help("reflection behaviours to draw from (uniformly, seeded)") List<String> behaviors,
            @Help("which teacher, and how to reach it") TeacherSection teacher) {
        public static final GuidanceSection DEFAULTS = ConfigDefaults.of(GuidanceSection.class);

        public GuidanceSection {
            require(k >= 0, "guidance.k", k, ">= 0");
            require(gamma >= 1, "guidance.gamma", gamma, ">= 1");
            require(schedule != null, "guidance.schedule", null, "constant or linear-decay");
            require(cutoff >= 0 && cutoff < 1, "guidance.cutoff", cutoff, "in [0, 1)");
            require(behaviors != null && !behaviors.isEmpty(), "guidance.behaviors", behaviors, "a non-empty list");
            behaviors = List.copyOf(behaviors);
            require(teacher != null, "guidance.teacher", null, "a section");
        }

        /** The guided fraction of step {@code step} (1-based): the probability that a group is guided. */
        public double fraction(int step) {
            if (k == 0 || step > k) {
                return 0.0;
            }
            return switch (schedule) {
                case CONSTANT -> 1.0;
                case LINEAR_DECAY -> {
                    double f = 1.0 - (double) (step - 1) / k;
                    yield f < cutoff ? 0.0 : f;
                }
            };
        }

        public enum Schedule {
            CONSTANT, LINEAR_DECAY;

            @JsonValue
            public String id() {
                return ConfigEnums.id(this);
            }

            @JsonCreator
            public static Schedule parse(String s) {
                return ConfigEnums.parse(Schedule.class, "guidance.schedule", s);
            }
        }
    }

    public record TeacherSection(
            @Default("\"reference\"")
            @Help("{@code reference} (templates over the dataset's worked solution; sees the reference answer, "
                    + "unlike the paper's teacher), {@code local} (a thinktune model in this JVM), or {@code openai} "
                    + "(any OpenAI-compatible chat-completions endpoint)") String type,
            @Default("\"\"")
            @Help("local: a model directory (empty = the frozen initial student); openai: the model name") String model,
            @Default("\"\"") @Help("openai: the endpoint, e.g. http://127.0.0.1:8000/v1") String baseUrl,
            @Default("\"\"")
            @Help("openai: the environment variable holding the API key (empty = none)") String apiKeyEnv,
            @Default("60.0") @Help("openai: per-request timeout") double timeoutSeconds,
            @Default("3")
            @Help("openai: retries on 429, 5xx and connection errors (exponential back-off)") int maxRetries,
            @Default("8") @Help("openai: requests in flight at once") int concurrency,
            @Default("256") @Help("the longest teacher reply, in tokens") int maxNewTokens,
            @Default("\"\"")
            @Help("directory of replacement prompt files (one per behaviour); empty = built-in") String prompts,
            @Default("3")
            @Help("stop the run when every teacher reply fails on this many guided steps in a row (0 = never stop: "
                    + "train on without guidance)") int maxFailedSteps) {
        public static final TeacherSection DEFAULTS = ConfigDefaults.of(TeacherSection.class);

        public TeacherSection {
            require(List.of("reference", "local", "openai").contains(type), "guidance.teacher.type", type,
                    "reference, local or openai");
            model = model == null ? "" : model;
            baseUrl = baseUrl == null ? "" : baseUrl;
            apiKeyEnv = apiKeyEnv == null ? "" : apiKeyEnv;
            prompts = prompts == null ? "" : prompts;
            require(timeoutSeconds > 0, "guidance.teacher.timeout_seconds", timeoutSeconds, "> 0");
            require(maxRetries >= 0, "guidance.teacher.max_retries", maxRetries, ">= 0");
            require(concurrency >= 1, "guidance.teacher.concurrency", concurrency, ">= 1");
            require(maxNewTokens > 0, "guidance.teacher.max_new_tokens", maxNewTokens, "> 0");
            require(maxFailedSteps >= 0, "guidance.teacher.max_failed_steps", maxFailedSteps, ">= 0");
            if (type.equals("openai")) {
                require(!baseUrl.isBlank(), "guidance.teacher.base_url", baseUrl, "set for the openai teacher");
            }
        }
    }

    public record OptimizerSection(
            @Default("1e-5") @Help("peak learning rate") double lr,
            @Default("0.9") @Help("AdamW first-moment decay") double beta1,
            @Default("0.999") @Help("AdamW second-moment decay") double beta2,
            @Default("1e-8") @Help("AdamW epsilon") double eps,
            @Default("0.0") @Help("decoupled weight decay (matrices only)") double weightDecay,
            @Default("1.0") @Help("clip the global gradient norm to this (0 = off)") double maxGradNorm,
            @Default("\"constant\"") @Help("{@code constant} or {@code warmup-cosine}") LrSchedule.Kind schedule,
            @Default("0") @Help("optimizer updates of linear warm-up") int warmupSteps,
            @Default("0.1") @Help("warmup-cosine: the final learning rate as a fraction of lr") double minLrRatio) {
        public static final OptimizerSection DEFAULTS = ConfigDefaults.of(OptimizerSection.class);

        public OptimizerSection {
            require(lr > 0 && lr < 1, "optimizer.lr", lr, "in (0, 1)");
            require(beta1 >= 0 && beta1 < 1, "optimizer.beta1", beta1, "in [0, 1)");
            require(beta2 >= 0 && beta2 < 1, "optimizer.beta2", beta2, "in [0, 1)");
            require(eps > 0, "optimizer.eps", eps, "> 0");
            require(weightDecay >= 0, "optimizer.weight_decay", weightDecay, ">= 0");
            require(maxGradNorm >= 0, "optimizer.max_grad_norm", maxGradNorm, ">= 0");
            require(schedule != null, "optimizer.schedule", null, "constant or warmup-cosine");
            require(warmupSteps >= 0, "optimizer.warmup_steps", warmupSteps, ">= 0");
            require(minLrRatio >= 0 && minLrRatio <= 1, "optimizer.min_lr_ratio", minLrRatio, "in [0, 1]");
        }
    }

    public record StepsSection(
            @Default("50") @Help("training steps (each: sample, guide, score, mu passes of updates)") int steps,
            @Default("8") @Help("questions per step; each gives a group of rollout.n responses") int questionsPerStep,
            @Default("1") @Help("passes over each step's rollout batch (one optimizer update per mini-batch)") int mu,
            @Default("0") @Help("responses per optimizer update (0 = the whole step's batch)") int miniBatchSize,
            @Default("16")
            @Help("responses per forward/backward; gradients accumulate up to the mini-batch") int microBatchSize,
            @Default("false")
            @Help("keep only each decoder layer's input for the backward pass and compute the layer again in its "
                    + "gradient: one more forward pass of the layers for a fraction of their activations' memory "
                    + "(full fine-tuning of Llama-style layers)") boolean recomputeLayers,
            @Default("10") @Help("save a checkpoint every this many steps (0 = only at the end)") int checkpointEvery,
            @Default("2") @Help("how many step checkpoints to keep (older ones are deleted)") int keepCheckpoints,
            @Default("3")
            @Help("stop after this many consecutive updates with a non-finite loss or gradient") int maxBadSteps,
            @Default("0")
            @Help("evaluate on the held-out split every this many steps (0 = before and after only)") int evalEvery,
            @Default("1")
            @Help("write the responses of this many groups per step to samples.jsonl (0 = none)") int logSamples) {
        public static final StepsSection DEFAULTS = ConfigDefaults.of(StepsSection.class);

        public StepsSection {
            require(steps >= 1, "training.steps", steps, ">= 1");
            require(questionsPerStep >= 1, "training.questions_per_step", questionsPerStep, ">= 1");
            require(mu >= 1, "training.mu", mu, ">= 1");
            require(miniBatchSize >= 0, "training.mini_batch_size", miniBatchSize, ">= 0");
            require(microBatchSize >= 1, "training.micro_batch_size", microBatchSize, ">= 1");
            require(checkpointEvery >= 0, "training.checkpoint_every", checkpointEvery, ">= 0");
            require(keepCheckpoints >= 1, "training.keep_checkpoints", keepCheckpoints, ">= 1");
            require(maxBadSteps >= 1, "training.max_bad_steps", maxBadSteps, ">= 1");
            require(evalEvery >= 0, "training.eval_every", evalEvery, ">= 0");
            require(logSamples >= 0, "training.log_samples", logSamples, ">= 0");
        }

        /** What the training graph does with the layers' activations ({@code recompute_layers}). */
        public LayerActivations layerActivations() {
            return recomputeLayers ? LayerActivations.RECOMPUTED : LayerActivations.KEPT;
        }
    }

    public record EvalSection(
            @Default("64") @Help("held-out questions evaluated before and after training (0 = skip)") int questions,
            @Default("256") @Help("the longest answer in evaluation") int maxNewTokens,
            @Default("1")
            @Help("answers per question in evaluation (1 greedy answer when temperature is 0)") int samples,
            @Default("0.0") @Help("0 = greedy") double temperature) {
        public static final EvalSection DEFAULTS = ConfigDefaults.of(EvalSection.class);

        public EvalSection {
            require(questions >= 0, "eval.questions", questions, ">= 0");
            require(maxNewTokens > 0, "eval.max_new_tokens", maxNewTokens, "> 0");
            require(samples >= 1, "eval.samples", samples, ">= 1");
            require(temperature >= 0, "eval.temperature", temperature, ">= 0");
        }
    }

    /**
     * STaR and SFT settings.
     */
    public record StarSection(
            @Default("3") @Help("STaR outer iterations (sample, filter, rationalise, fine-tune)") int iterations,
            @Default("4") @Help("STaR samples per question per iteration") int samples,
            @Default("true") @Help("STaR: retry failed questions with the answer as a hint") boolean rationalize,
            @Default("1") @Help("SFT epochs over the kept (or reference) solutions per iteration") int epochs,
            @Default("16") @Help("SFT sequences per optimizer update") int batchSize) {
        public static final StarSection DEFAULTS = ConfigDefaults.of(StarSection.class);

        public StarSection {
            require(iterations >= 1, "star.iterations", iterations, ">= 1");
            require(samples >= 1, "star.samples", samples, ">= 1");
            require(epochs >= 1, "star.epochs", epochs, ">= 1");
            require(batchSize >= 1, "star.batch_size", batchSize, ">= 1");
        }
    }

    /**
     * Scale-out: where a run's steps are worked on.
     */
    public record DistributedSection(
            @Default("null")
            @Help("data-parallel ThinkTuning on a Spark cluster ({@link SparkSection}); absent (null) = this process")
            SparkSection spark) {
        public static final DistributedSection DEFAULTS = ConfigDefaults.of(DistributedSection.class);
    }

    /**
     * Data-parallel ThinkTuning on Spark ({@code --spark MASTER} sets {@code master}; the build needs the {@code spark}
     * Maven profile). Each step's questions are split over the executors, which sample, guide, score and sum their
     * share of the loss gradient; the driver applies the one update of the step.
     */
    public record SparkSection(
            @Default("\"local[*]\"")
            @Help("the Spark master: {@code local[N]} (N executor threads in this process), {@code "
                    + "local-cluster[N,CORES,MB]}, {@code spark://HOST:PORT}, {@code yarn}, {@code k8s://...}")
            String master,
            @Default("0")
            @Help("shares a step is split into (0 = the cluster's default parallelism); a question's answers are "
                    + "never split") int partitions,
            @Default("\"\"")
            @Help("the student's directory as the executors see it; empty = {@code model.path}") String modelPath) {
        public static final SparkSection DEFAULTS = ConfigDefaults.of(SparkSection.class);

        public SparkSection {
            master = master == null ? DEFAULTS.master : master.strip();
            modelPath = modelPath == null ? "" : modelPath;
            require(!master.isEmpty(), "distributed.spark.master", master,
                    "a Spark master: local[N], local-cluster[N,CORES,MB], spark://HOST:PORT, yarn or k8s://HOST:PORT");
            require(partitions >= 0, "distributed.spark.partitions", partitions, ">= 0 (0 = the default parallelism)");
        }
    }
}
