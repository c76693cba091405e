package dev.thinktune.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thinktune.model.CheckpointTensors;
import dev.thinktune.model.DType;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.model.SafetensorsFile;
import dev.thinktune.rollout.RolloutEngine;
import dev.thinktune.testing.Fixtures;
import dev.thinktune.testing.TestAdapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merging adapters into a checkpoint, against the merge computed in the test and the engine with the adapters. */
class AdapterMergeTest {
    private static final List<int[]> SEQUENCES = List.of(new int[]{1, 17, 33, 101, 7, 9, 42, 3, 250, 12},
            new int[]{1, 5, 80, 81, 82});

    private static RolloutEngine.Options oneThread() {
        return RolloutEngine.Options.defaults().withThreads(1);
    }

    /** A base model directory: the fixture's config and {@code weightsFile} as model.safetensors, and a tokenizer. */
    private static Path base(String name, String weightsFile, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(Fixtures.model(name).resolve(HfCheckpoint.CONFIG), dir.resolve(HfCheckpoint.CONFIG));
        Files.copy(Fixtures.model(name).resolve(weightsFile), dir.resolve(HfCheckpoint.WEIGHTS));
        Files.copy(Fixtures.root().resolve("tokenizer").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        return dir;
    }

    private static float[] values(Path dir, String tensor) {
        try (CheckpointTensors t = CheckpointTensors.open(dir)) {
            float[] v = new float[Math.toIntExact(t.info(tensor).numel())];
            t.readFloats(tensor, java.nio.FloatBuffer.wrap(v));
            return v;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-llama2"})
    void aFloat32MergeHoldsWPlusScaleBAAndScoresAsTheAdapters(String name, @TempDir Path tmp) throws IOException {
        Path base = base(name, HfCheckpoint.WEIGHTS, tmp.resolve("base"));
        ModelWeights weights = HfCheckpoint.load(base);
        LoraAdapters adapters = TestAdapters.random(TestAdapters.SOME, weights.config(), 11, 0.2);
        Path out = tmp.resolve("merged");
        AdapterMerge.Result r = AdapterMerge.merge(base, adapters, out, null, Long.MAX_VALUE, line -> { });
        assertEquals(DType.F32, r.dtype());
        assertEquals(3 * weights.config().numLayers(), r.mergedModules());
        assertEquals(List.of(out.toAbsolutePath().resolve(HfCheckpoint.WEIGHTS)), r.weightFiles());

        ModelWeights want = TestAdapters.merged(weights, adapters);
        for (String tensor : weights.tensors().keySet()) {
            float[] got = values(out, tensor);
            float[] ref = want.get(tensor).data().asFloat();
            if (tensor.contains("q_proj") || tensor.contains("v_proj") || tensor.contains("down_proj")) {
                assertTrue(Fixtures.relativeError(got, ref) < 1e-6, tensor);
                assertTrue(Fixtures.relativeError(got, weights.get(tensor).data().asFloat()) > 1e-2, tensor);
            } else {
                assertArrayEquals(weights.get(tensor).data().asFloat(), got, 0f, tensor);
            }
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve(HfCheckpoint.CONFIG).toFile());
        assertEquals("float32", config.path("torch_dtype").asText());
        assertEquals(HfCheckpoint.readConfig(base), HfCheckpoint.readConfig(out));
        assertEquals(Files.readString(base.resolve("tokenizer.json")), Files.readString(out.resolve("tokenizer.json")));

        try (RolloutEngine merged = RolloutEngine.create(out, oneThread());
             RolloutEngine lora = RolloutEngine.create(base, adapters, oneThread())) {
            double err = Fixtures.relativeError(merged.logprobs(SEQUENCES), lora.logprobs(SEQUENCES));
            assertTrue(err < 1e-5, "max |diff| / max |adapters| = " + err);
        }
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of("base", "merged"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging directory left behind");
        }
    }

    /**
     * A bfloat16 base merges into bfloat16 by default: each value W + scale * B A computed in float32 from the
     * widened weights, rounded once (within one bfloat16 step of the double-precision reference); {@code F32}
     * keeps the unrounded sums.
     */
    @Test
    void aBfloat16BaseMergesIntoBfloat16RoundedOnce(@TempDir Path tmp) throws IOException {
        Path base = base("tiny-llama3", "model-bf16.safetensors", tmp.resolve("base"));
        ModelWeights widened = HfCheckpoint.load(base);
        LoraAdapters adapters = TestAdapters.random(TestAdapters.ALL, widened.config(), 12, 0.2);
        ModelWeights want = TestAdapters.merged(widened, adapters);
        Path bf16 = tmp.resolve("bf16"), f32 = tmp.resolve("f32");
        assertEquals(DType.BF16, AdapterMerge.merge(base, adapters, bf16, null, Long.MAX_VALUE, l -> { }).dtype());
        AdapterMerge.merge(base, adapters, f32, DType.F32, Long.MAX_VALUE, l -> { });
        assertEquals("bfloat16", new ObjectMapper().readTree(bf16.resolve(HfCheckpoint.CONFIG).toFile())
                .path("torch_dtype").asText());
        try (SafetensorsFile f = SafetensorsFile.open(bf16.resolve(HfCheckpoint.WEIGHTS))) {
            f.tensors().values().forEach(t -> assertEquals(DType.BF16, t.dtype(), t.name()));
        }
        String tensor = "model.layers.1.mlp.gate_proj.weight";
        float[] rounded = values(bf16, tensor);
        float[] exact = values(f32, tensor);
        float[] ref = want.get(tensor).data().asFloat();
        assertTrue(Fixtures.relativeError(exact, ref) < 1e-6);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(DType.bf16ToFloat(DType.floatToBf16(exact[i])), rounded[i], 0f, "element " + i);
            float step = Math.abs(ref[i]) * 0x1p-7f;
            assertEquals(ref[i], rounded[i], step, "element " + i);
        }
    }

    /** Past the largest shard the weights are split as transformers splits them, and load the same. */
    @Test
    void largeModelsAreShardedWithAnIndex(@TempDir Path tmp) throws IOException {
        Path base = base("tiny-llama2", HfCheckpoint.WEIGHTS, tmp.resolve("base"));
        LoraAdapters adapters = TestAdapters.random(TestAdapters.ALL, HfCheckpoint.readConfig(base), 13, 0.2);
        Path whole = tmp.resolve("whole"), sharded = tmp.resolve("sharded");
        AdapterMerge.merge(base, adapters, whole, null, Long.MAX_VALUE, l -> { });
        List<String> progress = new ArrayList<>();
        long limit = 80_000;
        AdapterMerge.Result r = AdapterMerge.merge(base, adapters, sharded, null, limit, progress::add);
        assertTrue(r.weightFiles().size() > 2, r.weightFiles().toString());
        assertEquals(r.weightFiles().size(), progress.size());
        assertTrue(!Files.exists(sharded.resolve(HfCheckpoint.WEIGHTS)));
        JsonNode index = new ObjectMapper().readTree(sharded.resolve(HfCheckpoint.INDEX).toFile());
        Map<String, long[]> shapes = HfCheckpoint.readConfig(base).parameterShapes();
        TreeSet<String> mapped = new TreeSet<>();
        index.path("weight_map").fieldNames().forEachRemaining(mapped::add);
        assertEquals(new TreeSet<>(shapes.keySet()), mapped);
        long total = 0;
        for (Path f : r.weightFiles()) {
            assertTrue(f.getFileName().toString().matches("model-0000\\d-of-0000\\d\\.safetensors"), f.toString());
            try (SafetensorsFile s = SafetensorsFile.open(f)) {
                long bytes = s.tensors().values().stream().mapToLong(t -> t.byteSize()).sum();
                assertTrue(bytes <= limit || s.tensors().size() == 1, f + ": " + bytes);
                total += bytes;
                s.tensors().keySet().forEach(n -> assertEquals(f.getFileName().toString(),
                        index.path("weight_map").path(n).asText()));
            }
        }
        assertEquals(total, index.path("metadata").path("total_size").asLong());
        try (RolloutEngine a = RolloutEngine.create(whole, oneThread());
             RolloutEngine b = RolloutEngine.create(sharded, oneThread())) {
            List<float[]> x = a.logprobs(SEQUENCES), y = b.logprobs(SEQUENCES);
            for (int i = 0; i < x.size(); i++) {
                assertArrayEquals(x.get(i), y.get(i), 0f);
            }
        }
    }
}
