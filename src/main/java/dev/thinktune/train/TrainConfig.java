package dev.thinktune.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.reward.RewardConfig;

import java.util.List;

/**
 * Everything a training run needs, as one immutable record tree. Read from YAML or JSON by
 * {@link ConfigLoader} (snake_case keys, every knob optional with the default given here), validated up front,
 * and written next to every checkpoint so a run can be reproduced and resumed.
 *
 * @param mode       {@code thinktune} (GRPO with guidance), {@code grpo} (same loop, k = 0), {@code sft}, {@code star}
 * @param seed       seeds every random choice of the run (data order, sampling, guidance)
 * @param outputDir  where checkpoints, metrics and the report go
 * @param distributed where the steps run when scaled out ({@link DistributedSection}); in this process by default
 */
public record TrainConfig(Mode mode, long seed, String outputDir, ModelSection model, DataSection data,
                          RolloutSection rollout, GuidanceSection guidance, ObjectiveConfig objective,
                          OptimizerSection optimizer, StepsSection training, EvalSection eval, RewardConfig reward,
                          StarSection star, DistributedSection distributed) {

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
        return new TrainConfig(Mode.THINKTUNE, 42, "runs/train", ModelSection.DEFAULTS, DataSection.DEFAULTS,
                RolloutSection.DEFAULTS, GuidanceSection.DEFAULTS, ObjectiveConfig.DEFAULTS,
                OptimizerSection.DEFAULTS, StepsSection.DEFAULTS, EvalSection.DEFAULTS, RewardConfig.paper(),
                StarSection.DEFAULTS);
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

    /**
     * @param path         Hugging Face directory of the student (config.json + safetensors)
     * @param tokenizer    tokenizer file or directory; empty = the model directory
     * @param chatTemplate {@code auto} (Llama 3 when the tokenizer has its header tokens, else plain),
     *                     {@code llama3}, or {@code plain}
     * @param systemPrompt system message put before every question; empty = none
     * @param lora         low-rank adapters to train instead of the weights ({@link LoraConfig} lists the fields
     *                     and defaults: {@code lora: {}} takes them all); absent (null) = full fine-tuning
     */
    public record ModelSection(String path, String tokenizer, String chatTemplate, String systemPrompt,
                               LoraConfig lora) {
        public static final ModelSection DEFAULTS = new ModelSection("models/arith-tiny", "", "auto", "", null);

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

    /**
     * @param format          dataset format (gsm8k, math, aime, commonsenseqa, arc, gpqa, strategyqa, mmlu-pro, csv, jsonl)
     * @param train           training file
     * @param test            held-out file for the before/after report; empty = none
     * @param instruction     replaces the task instruction after each question; empty = the format's default
     * @param maxPromptTokens questions whose prompt is longer are skipped (counted)
     * @param strict          refuse a file with any malformed row, naming the first; false = skip such rows with a
     *                        warning that counts them and shows the first
     */
    public record DataSection(String format, String train, String test, String instruction, int maxPromptTokens,
                              boolean strict) {
        public static final DataSection DEFAULTS = new DataSection("gsm8k", "data/arith/train.jsonl",
                "data/arith/test.jsonl", "", 256, false);

        public DataSection {
            require(format != null && !format.isBlank(), "data.format", format, "a dataset format name");
            require(train != null && !train.isBlank(), "data.train", train, "a file path");
            test = test == null ? "" : test;
            instruction = instruction == null ? "" : instruction;
            require(maxPromptTokens > 0, "data.max_prompt_tokens", maxPromptTokens, "> 0");
        }
    }

    /**
     * @param n            responses sampled per question (the group size)
     * @param temperature  sampling temperature of rollouts (the method samples at 1.0)
     * @param topP         nucleus sampling mass (1 = off)
     * @param topK         top-k sampling (0 = off)
     * @param maxNewTokens the longest response, in tokens; longer ones are truncated (and score 0)
     */
    public record RolloutSection(int n, double temperature, double topP, int topK, int maxNewTokens) {
        public static final RolloutSection DEFAULTS = new RolloutSection(8, 1.0, 1.0, 0, 256);

        public RolloutSection {
            require(n >= 2, "rollout.n", n, ">= 2 (advantages are relative to the group)");
            require(temperature > 0 && temperature <= 10, "rollout.temperature", temperature, "in (0, 10]");
            require(topP > 0 && topP <= 1, "rollout.top_p", topP, "in (0, 1]");
            require(topK >= 0, "rollout.top_k", topK, ">= 0");
            require(maxNewTokens > 0, "rollout.max_new_tokens", maxNewTokens, "> 0");
        }
    }

    /**
     * @param k         guided steps: steps 1..k are guided ({@code schedule: constant}), or guidance decays
     *                  linearly to 0 over k steps ({@code linear-decay}); 0 = plain GRPO
     * @param gamma     responses per guided group that the teacher extends
     * @param schedule  {@code constant} or {@code linear-decay}
     * @param cutoff    with linear decay, the guided fraction under which guidance stops
     * @param behaviors reflection behaviours to draw from (uniformly, seeded)
     * @param teacher   which teacher, and how to reach it
     */
    public record GuidanceSection(int k, int gamma, Schedule schedule, double cutoff, List<String> behaviors,
                                  TeacherSection teacher) {
        public static final GuidanceSection DEFAULTS = new GuidanceSection(10, 1, Schedule.CONSTANT, 0.0,
                List.of("self-conflict", "self-critique", "self-agreement", "self-consultancy"),
                TeacherSection.DEFAULTS);

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

    /**
     * @param type          {@code reference} (templates over the dataset's worked solution; sees the reference
     *                      answer, unlike the paper's teacher), {@code local} (a thinktune model in this JVM),
     *                      or {@code openai} (any OpenAI-compatible chat-completions endpoint)
     * @param model         local: a model directory (empty = the frozen initial student); openai: the model name
     * @param baseUrl       openai: the endpoint, e.g. http://127.0.0.1:8000/v1
     * @param apiKeyEnv     openai: the environment variable holding the API key (empty = none)
     * @param timeoutSeconds openai: per-request timeout
     * @param maxRetries    openai: retries on 429, 5xx and connection errors (exponential back-off)
     * @param concurrency   openai: requests in flight at once
     * @param maxNewTokens  the longest teacher reply, in tokens
     * @param prompts       directory of replacement prompt files (one per behaviour); empty = built-in
     * @param maxFailedSteps stop the run when every teacher reply fails on this many guided steps in a row
     *                       (0 = never stop: train on without guidance)
     */
    public record TeacherSection(String type, String model, String baseUrl, String apiKeyEnv, double timeoutSeconds,
                                 int maxRetries, int concurrency, int maxNewTokens, String prompts,
                                 int maxFailedSteps) {
        public static final TeacherSection DEFAULTS = new TeacherSection("reference", "", "", "", 60.0, 3, 8, 256, "",
                3);

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

    /**
     * @param lr            peak learning rate
     * @param beta1         AdamW first-moment decay
     * @param beta2         AdamW second-moment decay
     * @param eps           AdamW epsilon
     * @param weightDecay   decoupled weight decay (matrices only)
     * @param maxGradNorm   clip the global gradient norm to this (0 = off)
     * @param schedule      {@code constant} or {@code warmup-cosine}
     * @param warmupSteps   optimizer updates of linear warm-up
     * @param minLrRatio    warmup-cosine: the final learning rate as a fraction of lr
     */
    public record OptimizerSection(double lr, double beta1, double beta2, double eps, double weightDecay,
                                   double maxGradNorm, LrSchedule.Kind schedule, int warmupSteps, double minLrRatio) {
        public static final OptimizerSection DEFAULTS = new OptimizerSection(1e-5, 0.9, 0.999, 1e-8, 0.0, 1.0,
                LrSchedule.Kind.CONSTANT, 0, 0.1);

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

    /**
     * @param steps            training steps (each: sample, guide, score, mu passes of updates)
     * @param questionsPerStep questions per step; each gives a group of rollout.n responses
     * @param mu               passes over each step's rollout batch (one optimizer update per mini-batch)
     * @param miniBatchSize    responses per optimizer update (0 = the whole step's batch)
     * @param microBatchSize   responses per forward/backward; gradients accumulate up to the mini-batch
     * @param checkpointEvery  save a checkpoint every this many steps (0 = only at the end)
     * @param keepCheckpoints  how many step checkpoints to keep (older ones are deleted)
     * @param maxBadSteps      stop after this many consecutive updates with a non-finite loss or gradient
     * @param evalEvery        evaluate on the held-out split every this many steps (0 = before and after only)
     * @param logSamples       write the responses of this many groups per step to samples.jsonl (0 = none)
     */
    public record StepsSection(int steps, int questionsPerStep, int mu, int miniBatchSize, int microBatchSize,
                               int checkpointEvery, int keepCheckpoints, int maxBadSteps, int evalEvery,
                               int logSamples) {
        public static final StepsSection DEFAULTS = new StepsSection(50, 8, 1, 0, 16, 10, 2, 3, 0, 1);

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
    }

    /**
     * @param questions    held-out questions evaluated before and after training (0 = skip)
     * @param maxNewTokens the longest answer in evaluation
     * @param samples      answers per question in evaluation (1 greedy answer when temperature is 0)
     * @param temperature  0 = greedy
     */
    public record EvalSection(int questions, int maxNewTokens, int samples, double temperature) {
        public static final EvalSection DEFAULTS = new EvalSection(64, 256, 1, 0.0);

        public EvalSection {
            require(questions >= 0, "eval.questions", questions, ">= 0");
            require(maxNewTokens > 0, "eval.max_new_tokens", maxNewTokens, "> 0");
            require(samples >= 1, "eval.samples", samples, ">= 1");
            require(temperature >= 0, "eval.temperature", temperature, ">= 0");
        }
    }

    /**
     * STaR and SFT settings.
     *
     * @param iterations   STaR outer iterations (sample, filter, rationalise, fine-tune)
     * @param samples      STaR samples per question per iteration
     * @param rationalize  STaR: retry failed questions with the answer as a hint
     * @param epochs       SFT epochs over the kept (or reference) solutions per iteration
     * @param batchSize    SFT sequences per optimizer update
     */
    public record StarSection(int iterations, int samples, boolean rationalize, int epochs, int batchSize) {
        public static final StarSection DEFAULTS = new StarSection(3, 4, true, 1, 16);

        public StarSection {
            require(iterations >= 1, "star.iterations", iterations, ">= 1");
            require(samples >= 1, "star.samples", samples, ">= 1");
            require(epochs >= 1, "star.epochs", epochs, ">= 1");
            require(batchSize >= 1, "star.batch_size", batchSize, ">= 1");
        }
    }

    /**
     * Scale-out: where a run's steps are worked on.
     *
     * @param spark data-parallel ThinkTuning on a Spark cluster ({@link SparkSection}); absent (null) = this process
     */
    public record DistributedSection(SparkSection spark) {
        public static final DistributedSection DEFAULTS = new DistributedSection(null);
    }

    /**
     * Data-parallel ThinkTuning on Spark ({@code --spark MASTER} sets {@code master}; the build needs the {@code spark}
     * Maven profile). Each step's questions are split over the executors, which sample, guide, score and sum their
     * share of the loss gradient; the driver applies the one update of the step.
     *
     * @param master     the Spark master: {@code local[N]} (N executor threads in this process),
     *                   {@code local-cluster[N,CORES,MB]}, {@code spark://HOST:PORT}, {@code yarn}, {@code k8s://...}
     * @param partitions shares a step is split into (0 = the cluster's default parallelism); a question's answers are
     *                   never split
     * @param modelPath  the student's directory as the executors see it; empty = {@code model.path}
     */
    public record SparkSection(String master, int partitions, String modelPath) {
        public static final SparkSection DEFAULTS = new SparkSection("local[*]", 0, "");

        public SparkSection {
            master = master == null ? DEFAULTS.master : master.strip();
            modelPath = modelPath == null ? "" : modelPath;
            require(!master.isEmpty(), "distributed.spark.master", master,
                    "a Spark master: local[N], local-cluster[N,CORES,MB], spark://HOST:PORT, yarn or k8s://HOST:PORT");
            require(partitions >= 0, "distributed.spark.partitions", partitions, ">= 0 (0 = the default parallelism)");
        }
    }
}
