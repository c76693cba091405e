package dev.thinktune.train;

/**
 * Supervised pretraining of a fresh student on question/worked-solution pairs (thinktune's own small models).
 *
 * @param seed             seeds initialisation and data order
 * @param outputDir        the model directory to write (Hugging Face layout, with the tokenizer)
 * @param tokenizer        tokenizer file or directory (its vocabulary sizes the model)
 * @param architecture     the model's shape
 * @param data             training and held-out data
 * @param epochs           passes over the training set
 * @param batchSize        sequences per optimizer update
 * @param microBatchSize   sequences per forward/backward (gradient accumulation)
 * @param optimizer        AdamW and schedule
 * @param evalQuestions    held-out questions answered greedily after each epoch (0 = skip)
 * @param evalMaxNewTokens the longest answer in evaluation
 * @param maxBadSteps      stop after this many consecutive updates with a non-finite loss or gradient
 */
public record PretrainConfig(long seed, String outputDir, String tokenizer, Architecture architecture,
                             TrainConfig.DataSection data, int epochs, int batchSize, int microBatchSize,
                             TrainConfig.OptimizerSection optimizer, int evalQuestions, int evalMaxNewTokens,
                             int maxBadSteps) {

    public static final PretrainConfig DEFAULTS = new PretrainConfig(7, "models/arith-tiny", "models/arith-tiny",
            Architecture.DEFAULTS, TrainConfig.DataSection.DEFAULTS, 3, 32, 32,
            new TrainConfig.OptimizerSection(1e-3, 0.9, 0.98, 1e-8, 0.01, 1.0, LrSchedule.Kind.WARMUP_COSINE,
                    100, 0.1), 200, 96, 3);

    public PretrainConfig {
        TrainConfig.require(outputDir != null && !outputDir.isBlank(), "output_dir", outputDir, "a directory");
        TrainConfig.require(tokenizer != null && !tokenizer.isBlank(), "tokenizer", tokenizer, "a tokenizer path");
        TrainConfig.require(architecture != null, "architecture", null, "a section");
        TrainConfig.require(data != null, "data", null, "a section");
        TrainConfig.require(epochs >= 1, "epochs", epochs, ">= 1");
        TrainConfig.require(batchSize >= 1, "batch_size", batchSize, ">= 1");
        TrainConfig.require(microBatchSize >= 1, "micro_batch_size", microBatchSize, ">= 1");
        TrainConfig.require(optimizer != null, "optimizer", null, "a section");
        TrainConfig.require(evalQuestions >= 0, "eval_questions", evalQuestions, ">= 0");
        TrainConfig.require(evalMaxNewTokens >= 1, "eval_max_new_tokens", evalMaxNewTokens, ">= 1");
        TrainConfig.require(maxBadSteps >= 1, "max_bad_steps", maxBadSteps, ">= 1");
    }

    /**
     * @param hiddenSize        model width
     * @param intermediateSize  SwiGLU width
     * @param numLayers         decoder layers
     * @param numHeads          query heads
     * @param numKvHeads        key/value heads (grouped-query attention when fewer than numHeads)
     * @param maxPositions      longest sequence
     * @param tieWordEmbeddings share the embedding with the output head
     * @param ropeTheta         rotary base
     * @param initStd           standard deviation of the initial weights
     */
    public record Architecture(int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
                               int maxPositions, boolean tieWordEmbeddings, double ropeTheta, double initStd) {
        public static final Architecture DEFAULTS = new Architecture(128, 384, 4, 4, 2, 512, true, 10000.0, 0.02);

        public Architecture {
            TrainConfig.require(hiddenSize > 0 && numHeads > 0 && hiddenSize % numHeads == 0,
                    "architecture.hidden_size", hiddenSize, "a positive multiple of num_heads");
            TrainConfig.require(intermediateSize > 0, "architecture.intermediate_size", intermediateSize, "> 0");
            TrainConfig.require(numLayers > 0, "architecture.num_layers", numLayers, "> 0");
            TrainConfig.require(numKvHeads > 0 && numHeads % numKvHeads == 0, "architecture.num_kv_heads",
                    numKvHeads, "a divisor of num_heads");
            TrainConfig.require(maxPositions > 0, "architecture.max_positions", maxPositions, "> 0");
            TrainConfig.require(ropeTheta > 0, "architecture.rope_theta", ropeTheta, "> 0");
            TrainConfig.require(initStd > 0, "architecture.init_std", initStd, "> 0");
        }
    }
}
