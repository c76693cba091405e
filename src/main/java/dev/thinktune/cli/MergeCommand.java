package dev.thinktune.cli;

import dev.thinktune.lora.AdapterMerge;
import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.CheckpointShards;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code thinktune merge}: a LoRA adapter merged into its base model, written as a full Hugging Face checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge a PEFT LoRA adapter into its base model: writes a full Hugging Face model directory"
                + " whose adapted projections are W + (alpha/r) B A (computed in float32, stored once in --dtype),",
                "with config.json and the tokenizer files of the base, sharded as the hub shards (5 GB files and"
                        + " model.safetensors.index.json) when large. The directory appears whole or not at all."})
public final class MergeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The base model directory.")
    Path model;

    @Option(names = "--adapter", required = true, paramLabel = "DIR",
            description = "The PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model directory to write.")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "bf16, f16 or f32 (default: the base's stored"
            + " dtype).")
    String dtype;

    @Option(names = "--max-shard-mb", description = "Largest weight file in MB (10^6 bytes); transformers' default"
            + " (default: ${DEFAULT-VALUE}).")
    long maxShardMb = CheckpointShards.HUB_SHARD_BYTES / 1_000_000;

    @Option(names = "--overwrite", description = "Replace --out when it is already a model directory.")
    boolean overwrite;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        ModelDirectories.require(model);
        DType type = dtype == null ? null : parseDtype(dtype);
        if (maxShardMb < 1) {
            throw new IllegalArgumentException("--max-shard-mb must be >= 1, got " + maxShardMb);
        }
        LoraAdapters adapters = AdapterDirectories.read(adapter, model);
        checkOut();
        o.printf(Locale.ROOT, "merging %s (r = %d, alpha = %s, %d modules) into %s -> %s%n", adapter,
                adapters.config().r(), adapters.config().alpha(),
                LoraAdapters.modules(adapters.config(), adapters.modelConfig()).size(), model, out);
        o.flush();
        AdapterMerge.Result r = AdapterMerge.merge(model, adapters, out, type, maxShardMb * 1_000_000L, line -> {
            o.println("  " + line);
            o.flush();
        });
        o.println(AdapterMerge.describe(r));
        o.flush();
        return 0;
    }

    /** A dtype by the names users give it, or an error naming the valid ones. */
    static DType parseDtype(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16", "half" -> DType.F16;
            case "f32", "fp32", "float32", "float" -> DType.F32;
            default -> throw new IllegalArgumentException("--dtype " + name + " is invalid: must be bf16, f16 or f32");
        };
    }

    /** Refuses an --out that would overwrite the inputs or a directory that is not a model's. */
    private void checkOut() {
        Path target = out.toAbsolutePath().normalize();
        for (Path input : new Path[]{model, adapter}) {
            if (target.equals(input.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--out " + out + " is the directory of --"
                        + (input == model ? "model" : "adapter") + "; write the merged model elsewhere");
            }
        }
        if (!Files.exists(target) || isEmptyDirectory(target)) {
            return;
        }
        if (!overwrite) {
            throw new IllegalArgumentException("--out " + out + " already exists and is not empty; give another"
                    + " directory, or --overwrite to replace a model directory there");
        }
        if (!HfCheckpoint.isCheckpoint(target)) {
            throw new IllegalArgumentException("--out " + out + " is not a model directory; --overwrite replaces"
                    + " only a model directory (config.json and safetensors)");
        }
    }

    private static boolean isEmptyDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }
}
