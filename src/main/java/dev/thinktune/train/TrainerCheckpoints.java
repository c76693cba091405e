package dev.thinktune.train;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.PeftAdapter;
import dev.thinktune.model.AtomicFiles;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.StudentModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints of a run under {@code <output>/checkpoints/step-NNNNNN}: a Hugging Face model directory (with the
 * tokenizer files, so it loads anywhere), or for a run that trains low-rank adapters a PEFT adapter directory
 * ({@code adapter_config.json}, {@code adapter_model.safetensors}, naming the base model), plus {@code optimizer.safetensors}, {@code trainer_state.json} and
 * {@code train_config.yaml}. Each is written in a staging directory and renamed into place; a {@code latest}
 * file, also replaced atomically, names the newest complete one. A write that fails removes its staging directory;
 * those of a killed process are removed when the next run starts ({@link RunFolder#removeStaging}).
 */
public final class TrainerCheckpoints {
    public static final String STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String CONFIG = "train_config.yaml";
    private static final String LATEST = "latest";

    private final Path root;
    private final List<Path> tokenizerFiles;
    private final int keep;

    public TrainerCheckpoints(Path outputDir, List<Path> tokenizerFiles, int keep) {
        this.root = outputDir.resolve("checkpoints");
        this.tokenizerFiles = List.copyOf(tokenizerFiles);
        this.keep = keep;
    }

    public Path root() {
        return root;
    }

    public Path save(ModelWeights weights, AdamW optimizer, TrainerState state, TrainConfig config) {
        return save(weights, null, optimizer, state, config);
    }

    /** A checkpoint of what {@code student} trains: its weights, or its adapters. */
    public Path save(StudentModel student, AdamW optimizer, TrainerState state, TrainConfig config) {
        return save(student.weights(), student.adapters(), optimizer, state, config);
    }

    private Path save(ModelWeights weights, LoraAdapters adapters, AdamW optimizer, TrainerState state,
                      TrainConfig config) {
        String name = String.format(Locale.ROOT, "step-%06d", state.step());
        Path target = root.resolve(name);
        Path staged = null;
        try {
            Files.createDirectories(root);
            staged = Files.createTempDirectory(root, name + ".staging-");
            writeModel(staged, weights, adapters, config.model().path());
            optimizer.save(staged.resolve(OPTIMIZER), Map.of("updates", Long.toString(state.updates())));
            AtomicFiles.writeString(staged.resolve(STATE), state.toJson());
            ConfigLoader.write(config, staged.resolve(CONFIG));
            AtomicFiles.replaceDirectory(staged, target);
            staged = null;
            AtomicFiles.writeString(root.resolve(LATEST), name + "\n");
            prune(name);
        } catch (IOException | RuntimeException e) {
            removeQuietly(staged, e);
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        return target;
    }

    /**
     * Deletes what a failed write staged: on a real model a staging directory is gigabytes, and on a full disk
     * leaving it would make every later write fail too.
     */
    private static void removeQuietly(Path staged, Exception cause) {
        if (staged == null) {
            return;
        }
        try {
            AtomicFiles.deleteRecursively(staged);
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Writes a plain model directory (weights, config, tokenizer files), atomically. */
    public void saveModel(Path dir, ModelWeights weights) {
        saveModel(dir, weights, null, "");
    }

    /**
     * Writes a model directory atomically: the weights as a Hugging Face checkpoint, or when {@code adapters} is
     * not null the adapters alone in PEFT's format (naming {@code baseModel}); the tokenizer files beside them.
     */
    public void saveModel(Path dir, ModelWeights weights, LoraAdapters adapters, String baseModel) {
        Path staged = null;
        try {
            Path abs = dir.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            staged = Files.createTempDirectory(abs.getParent(), abs.getFileName() + ".staging-");
            writeModel(staged, weights, adapters, baseModel);
            AtomicFiles.replaceDirectory(staged, abs);
        } catch (IOException | RuntimeException e) {
            removeQuietly(staged, e);
            throw new UncheckedIOException("cannot write model " + dir + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    private void writeModel(Path dir, ModelWeights weights, LoraAdapters adapters, String baseModel)
            throws IOException {
        if (adapters != null) {
            PeftAdapter.write(dir, adapters, baseModel, DType.F32);
        } else {
            HfCheckpoint.writeInto(dir, weights, DType.F32, Map.of());
        }
        for (Path f : tokenizerFiles) {
            Files.copy(f, dir.resolve(f.getFileName()));
        }
    }

    /** The newest complete checkpoint of the run, if any. */
    public Optional<Path> latest() {
        Path pointer = root.resolve(LATEST);
        if (!Files.isRegularFile(pointer)) {
            return Optional.empty();
        }
        try {
            Path p = root.resolve(Files.readString(pointer).trim());
            return Files.isRegularFile(p.resolve(STATE)) ? Optional.of(p) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void prune(String newest) throws IOException {
        List<Path> steps;
        try (Stream<Path> s = Files.list(root)) {
            steps = s.filter(p -> p.getFileName().toString().matches("step-\\d{6}"))
                    .sorted().toList();
        }
        for (int i = 0; i < steps.size() - keep; i++) {
            if (!steps.get(i).getFileName().toString().equals(newest)) {
                AtomicFiles.deleteRecursively(steps.get(i));
            }
        }
    }
}
