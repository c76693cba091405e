package dev.thinktune.cli;

import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.model.TensorInfo;
import dev.thinktune.model.arch.Architecture;
import dev.thinktune.model.arch.TensorSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code thinktune inspect DIR}: what a checkpoint holds, without loading its weights. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a Hugging Face model directory: config, parameter count, tensor table, memory.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "model directory (config.json + safetensors)")
    Path dir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        LlamaConfig c = HfCheckpoint.readConfig(dir);
        out.printf(Locale.ROOT, "%s%n", dir.toAbsolutePath());
        Architecture arch = c.architecture();
        out.printf(Locale.ROOT, "  architecture %s (%s)%s%n", arch.modelType(), arch.className(),
                arch.blocks().qkvBias() ? ", bias on q/k/v projections" : "");
        out.printf(Locale.ROOT, "  vocab %d, hidden %d, layers %d, heads %d / %d kv (head dim %d), ffn %d%n",
                c.vocabSize(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.intermediateSize());
        out.printf(Locale.ROOT, "  rope theta %.1f, scaling %s, max positions %d, rms eps %.1e, %s head%n",
                c.ropeTheta(), c.ropeScaling() == null ? "none" : String.format(Locale.ROOT, "llama3 (factor %.1f, low %.1f, high %.1f, original %d)",
                        c.ropeScaling().factor(), c.ropeScaling().lowFreqFactor(), c.ropeScaling().highFreqFactor(),
                        c.ropeScaling().originalMaxPositions()), c.maxPositions(),
                c.rmsNormEps(), c.tieWordEmbeddings() ? "tied" : "separate");
        out.printf(Locale.ROOT, "  bos %d, eos %s%n", c.bosTokenId(), c.eosTokenIds());
        long params = c.parameterCount();
        out.printf(Locale.ROOT, "  parameters %,d%n", params);

        List<Path> files = HfCheckpoint.weightFiles(dir);
        long stored = 0;
        Map<String, TensorSpec> described = new LinkedHashMap<>();
        c.tensors().forEach(t -> described.put(t.name(), t));
        out.printf(Locale.ROOT, "%n  %-52s %-5s %-16s %-9s %s%n", "tensor", "dtype", "shape", "init", "file");
        for (Path f : files) {
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                for (TensorInfo t : sf.tensors().values()) {
                    TensorSpec spec = described.remove(t.name());
                    out.printf(Locale.ROOT, "  %-52s %-5s %-16s %-9s %s%n", t.name(), t.dtype(),
                            Arrays.toString(t.shape()), spec == null ? "-" : init(spec.init()), f.getFileName());
                    stored += t.byteSize();
                }
            }
        }
        if (!described.isEmpty()) {
            out.printf(Locale.ROOT, "%n  missing: %d tensor(s) the %s architecture has: %s%n", described.size(),
                    arch.modelType(), described.keySet().stream().limit(5).toList());
        }
        out.printf(Locale.ROOT, "%n  memory: %s on disk, %s as float32 weights, about %s to train with AdamW "
                        + "(weights, gradients, two moments)%n",
                mb(stored), mb(params * 4), mb(params * 16));
        return 0;
    }

    /** How a fresh model starts the tensor, in the table's words. */
    private static String init(TensorSpec.Init init) {
        return switch (init) {
            case NORMAL -> "normal";
            case NORM_ONES -> "ones";
            case ZEROS -> "zeros";
        };
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}
