package dev.thinktune.train;

import dev.thinktune.config.ConfigDefaults;
import dev.thinktune.config.Default;
import dev.thinktune.config.Help;

/**
 * Supervised pretraining of a fresh student on question/worked-solution pairs (thinktune's own small models).
 */
public record PretrainConfig(
        @Default("7") @Help("seeds initialisation and data order") long seed,
        @Default("\"models/arith-tiny\"")
        @Help("the model directory to write (Hugging Face layout, with the tokenizer)") String outputDir,
        @Default("\"models/arith-tiny\"")
        @Help("tokenizer file or directory (its vocabulary sizes the model)") String tokenizer,
        @Help("the model's shape") Architecture architecture,
        @Help("training and held-out data") TrainConfig.DataSection data,
        @Default("3") @Help("passes over the training set") int epochs,
        @Default("32") @Help("sequences per optimizer update") int batchSize,
        @Default("32") @Help("sequences per forward/backward (gradient accumulation)") int microBatchSize,
        @Default("{\"lr\": 1e-3, \"beta1\": 0.9, \"beta2\": 0.98, \"eps\": 1e-8, \"weight_decay\": 0.01,"
                + " \"max_grad_norm\": 1.0, \"schedule\": \"warmup-cosine\", \"warmup_steps\": 100,"
                + " \"min_lr_ratio\": 0.1}")
        @Help("AdamW and schedule") TrainConfig.OptimizerSection optimizer,
        @Default("200") @Help("held-out questions answered greedily after each epoch (0 = skip)") int evalQuestions,
        @Default("96") @Help("the longest answer in evaluation") int evalMaxNewTokens,
        @Default("3")
        @Help("stop after this many consecutive updates with a non-finite loss or gradient") int maxBadSteps) {

    public static final PretrainConfig DEFAULTS = ConfigDefaults.of(PretrainConfig.class);

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

    public record Architecture(
            @Default("128") @Help("model width") int hiddenSize,
            @Default("384") @Help("SwiGLU width") int intermediateSize,
            @Default("4") @Help("decoder layers") int numLayers,
            @Default("4") @Help("query heads") int numHeads,
            @Default("2") @Help("key/value heads (grouped-query attention when fewer than numHeads)") int numKvHeads,
            @Default("512") @Help("longest sequence") int maxPositions,
            @Default("true") @Help("share the embedding with the output head") boolean tieWordEmbeddings,
            @Default("10000.0") @Help("rotary base") double ropeTheta,
            @Default("0.02") @Help("standard deviation of the initial weights") double initStd) {
        public static final Architecture DEFAULTS = ConfigDefaults.of(Architecture.class);

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
