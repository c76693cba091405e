package dev.thinktune.train;

import dev.thinktune.bench.BenchSize;
import dev.thinktune.model.LayerActivations;
import dev.thinktune.model.LlamaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory plan's arithmetic against hand-computed values, and the refusal it gives. */
class MemoryPlanTest {
    private static final long GB = 1_000_000_000L;
    /** Bytes a parameter of a float32 checkpoint. */
    private static final int F32 = 4;

    // vocab 100, hidden 8, ffn 16, 2 layers, 2 heads of 4 / 1 kv head, separate head
    private static final LlamaConfig SMALL = LlamaConfig.of(100, 8, 16, 2, 2, 1, 64, false, 0, 1);

    @Test
    void everyLineIsTheHandComputedSize() {
        // embedding 800 + 2 layers x (norms 16 + q 64 + k 32 + v 32 + o 64 + gate, up, down 3 x 128)
        // + norm 8 + head 800
        assertEquals(2_792, SMALL.parameterCount());
        // per layer 14 x 8 + 5 x (2 + 2 x 1) x 4 + 7 x 16 + 2 heads' log-sum-exps = 306; x 2 layers = 612 floats
        assertEquals(2_448, MemoryPlan.activationBytesPerToken(SMALL));
        assertEquals(64, MemoryPlan.kvBytesPerToken(SMALL), "2 layers x 2 x 1 kv head x 4 x 4 bytes");
        MemoryPlan p = MemoryPlan.training("t", SMALL, new MemoryPlan.Shape(2, 4, 32, true, 2, 0, 8, 40, true));
        List<Long> expected = List.of(
                22_336L,       // 2 copies x 2,792 x 4
                4_768L,        // a pass's returned gradients: the layers' 1,184 and the norm's 8 (embedding and head added in place)
                11_168L,       // accumulated gradients
                22_336L,       // m and v
                313_344L,      // 4 sequences x 32 tokens x 2,448
                51_200L,       // one block of logits: all 128 tokens x 100 x 4 (under 64 MiB)
                313_344L,      // the array cache's arrays of other lengths: the activations again (under 1.5 GiB)
                419_430_400L,  // runtime, 400 MiB
                22_336L,       // two decoders' float32 copies
                24_576L,       // 8 sequences x 48 tokens (40 rounded up to 16) x 64
                262_144L);     // the reference decoder's 4,096 scoring tokens x 64
        assertEquals(expected, p.lines().stream().map(MemoryPlan.Line::bytes).toList());
        assertEquals(420_477_952L, p.total());
        assertEquals(309_056L, p.heap());
    }

    @Test
    void atLlama3sVocabularyTheLogitsAreOneBlockAndATiedEmbeddingAddsItsTwoGradientPartsUnlessAccumulated() {
        LlamaConfig c = BenchSize.SMOLLM2_135M_V128K.config();
        MemoryPlan p = MemoryPlan.training("t", c, new MemoryPlan.Shape(1, 2, 512, false, 0, 0, 0, 0, false));
        // 1,024 tokens x 128,256 x 4 = 525 MB of logits, held 64 MiB at a time
        assertEquals(64L << 20, p.lines().stream().filter(l -> l.what().startsWith("a block")).findFirst()
                .orElseThrow().bytes());
        assertEquals(2L * 128_256 * 576 * 4, p.lines().stream().filter(l -> l.what().startsWith("the tied"))
                .findFirst().orElseThrow().bytes());
        // accumulated over micro-batches, the lookup and the head add their parts into the sum as they compute
        MemoryPlan acc = MemoryPlan.training("t", c, new MemoryPlan.Shape(1, 2, 512, true, 0, 0, 0, 0, false));
        assertTrue(acc.lines().stream().noneMatch(l -> l.what().startsWith("the tied")));
        // 30 layers x (2 x 576 + 576 x 576 x 2 + 576 x 192 x 2 + 3 x 576 x 1,536) + 576: 106,203,456 parameters
        assertEquals(106_203_456L * 4, line(acc, "gradients of one").bytes());
        MemoryPlan rec = MemoryPlan.training("t", c, new MemoryPlan.Shape(1, 2, 512, true, 0, 0, 0, 0, false)
                .with(LayerActivations.RECOMPUTED));
        assertEquals(576L * 4, line(rec, "gradients of one").bytes(), "the final norm's alone");
    }

    @Test
    void weightsGradientsAndMomentsOfLlama32OneBillion() {
        LlamaConfig c = BenchSize.LLAMA_3_2_1B.config();
        assertEquals(1_235_814_400L, c.parameterCount());
        MemoryPlan p = MemoryPlan.training("t", c, new MemoryPlan.Shape(1, 1, 256, false, 0, 0, 0, 0, false));
        // weights, gradients, m, v: 4 x 4 bytes x 1.236e9 = 19.77 GB
        long fourCopies = p.lines().stream().filter(l -> l.what().startsWith("student weights")
                || l.what().startsWith("gradients") || l.what().startsWith("AdamW moments"))
                .mapToLong(MemoryPlan.Line::bytes).sum();
        assertEquals(19_773_030_400L, fourCopies);
        assertEquals(2L * 128_256 * 2048 * 4, p.lines().get(3).bytes(), "the tied embedding's two gradient parts");
    }

    @Test
    void fullFineTuningOfOneBillionIsRefusedWithTheArithmeticAndTheFieldsToChange() {
        TrainConfig cfg = ConfigLoader.load(List.of("training.micro_batch_size=2", "objective.beta=0.04"));
        MemoryPlan.Budget budget = new MemoryPlan.Budget(24 * GB, 22 * GB, 11 * GB);
        MemoryPlan.DoesNotFit e = assertThrows(MemoryPlan.DoesNotFit.class,
                () -> MemoryPlan.check(BenchSize.LLAMA_3_2_1B.config(), cfg, F32, budget));
        String m = e.getMessage();
        MemoryPlan plan = MemoryPlan.training("x", BenchSize.LLAMA_3_2_1B.config(),
                MemoryPlan.shape(BenchSize.LLAMA_3_2_1B.config(), cfg, F32));
        assertTrue(m.startsWith("full fine-tuning of this model (1,235,814,400 parameters, mode thinktune) needs "
                + MemoryPlan.gb(plan.total()) + ", the machine has 24.00 GB (this process may use 22.00 GB"), m);
        // the policy trains the loaded weights in place: one float32 copy
        assertTrue(m.contains("4.94 GB  off-heap student weights, float32: 1,235,814,400 parameters x 4 bytes\n"), m);
        assertTrue(m.contains("heap     reference decoder weights, as stored (float32): 1,235,814,400 parameters x 4 bytes"), m);
        assertTrue(m.contains("AdamW moments m and v: 1,235,814,400 parameters x 4 bytes x 2"), m);
        assertTrue(m.contains("heap     rollout decoder weights, float32"), m);
        assertTrue(m.contains("with training.micro_batch_size: 1 (now 2): "), m);
        assertTrue(m.contains("with objective.beta: 0"), m);
        assertTrue(m.contains("does not fit either"), m);
        assertTrue(m.contains("with low-rank adapters (model.lora: {} - r 16 on all seven projections): "), m);
        assertTrue(m.contains("with low-rank adapters and training.micro_batch_size: 1: "), m);
    }

    /**
     * Adapters r = 16 on the seven projections of Llama-3.2-1B: per layer 16 x (2048+2048) for q and o,
     * 16 x (2048+512) for k and v, 16 x (2048+8192) for gate, up and down; 16 layers.
     */
    @Test
    void adaptersOfLlama32OneBillionHoldTheFrozenWeightsOnceAndTheirOwnGradientsAndMoments() {
        LlamaConfig c = BenchSize.LLAMA_3_2_1B.config();
        long perLayer = 16L * (2 * (2048 + 2048) + 2 * (2048 + 512) + 3 * (2048 + 8192));
        assertEquals(11_272_192L, 16 * perLayer);
        TrainConfig cfg = ConfigLoader.load(List.of("model.lora.r=16", "training.micro_batch_size=1",
                "rollout.max_new_tokens=128", "guidance.teacher.max_new_tokens=128", "eval.max_new_tokens=128"));
        MemoryPlan.Shape s = MemoryPlan.shape(c, cfg, 2);
        assertEquals(16 * perLayer, s.adapterParams());
        MemoryPlan p = MemoryPlan.training("t", c, s);
        assertEquals(2L * 1_235_814_400L, line(p, "student weights, frozen, as stored (bfloat16)").bytes());
        assertEquals(4L * 8192 * 2048, line(p, "a frozen matrix widened").bytes(), "8192 rows of the head");
        assertEquals(6L * 4 * 16 * perLayer, line(p, "adapters, their gradients").bytes());
        assertEquals(2L * 1_235_814_400L, line(p, "rollout decoder weights, as stored (bfloat16)").bytes(),
                "one decoder, bf16, also the reference");
        assertTrue(p.lines().stream().noneMatch(l -> l.what().startsWith("gradients") || l.what().startsWith("AdamW")
                || l.what().startsWith("the tied") || l.what().startsWith("reference")), p.table());
        MemoryPlan.check(c, cfg, 2, new MemoryPlan.Budget(24 * GB, 22 * GB, 11 * GB));
    }

    private static MemoryPlan.Line line(MemoryPlan p, String prefix) {
        return p.lines().stream().filter(l -> l.what().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + prefix + "' in\n" + p.table()));
    }

    @Test
    void aBfloat16CheckpointsReferenceDecoderIsPlannedAtTwoBytesAParameter(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"torch_dtype\": \"bfloat16\"}");
        assertEquals(2, MemoryPlan.storedBytes(dir));
        Files.writeString(dir.resolve("config.json"), "{\"torch_dtype\": \"float16\"}");
        assertEquals(4, MemoryPlan.storedBytes(dir), "half is widened to float32 by the decoder");
        assertEquals(4, MemoryPlan.storedBytes(dir.resolve("absent")));
        TrainConfig cfg = ConfigLoader.load(List.of("objective.beta=0.04"));
        LlamaConfig c = BenchSize.SMOLLM2_135M_V128K.config();
        MemoryPlan bf16 = MemoryPlan.training("x", c, MemoryPlan.shape(c, cfg, 2));
        MemoryPlan f32 = MemoryPlan.training("x", c, MemoryPlan.shape(c, cfg, 4));
        assertEquals(2 * c.parameterCount(), f32.total() - bf16.total());
        assertEquals(2 * c.parameterCount(), f32.heap() - bf16.heap());
        MemoryPlan none = MemoryPlan.training("x", c, MemoryPlan.shape(c, ConfigLoader.load(List.of("objective.beta=0")), 2));
        assertEquals(2 * c.parameterCount() + 4096L * MemoryPlan.kvBytesPerToken(c), bf16.total() - none.total(),
                "no reference: neither its weights nor its scoring cache");
    }

    @Test
    void aRunThatFitsPassesAndTheMicroBatchIsOfferedWhenItAloneMakesTheDifference() {
        TrainConfig cfg = ConfigLoader.load(List.of("training.micro_batch_size=8", "objective.beta=0"));
        LlamaConfig c = BenchSize.SMALL.config();
        MemoryPlan whole = MemoryPlan.training("x", c, MemoryPlan.shape(c, cfg, F32));
        MemoryPlan one = MemoryPlan.training("x", c, MemoryPlan.shape(c, cfg, F32).withMicroBatch(1));
        MemoryPlan.check(c, cfg, F32, new MemoryPlan.Budget(24 * GB, 22 * GB, 11 * GB));
        long between = (whole.total() + one.total()) / 2;
        MemoryPlan.DoesNotFit e = assertThrows(MemoryPlan.DoesNotFit.class,
                () -> MemoryPlan.check(c, cfg, F32, new MemoryPlan.Budget(24 * GB, between, 11 * GB)));
        assertTrue(e.getMessage().contains("with training.micro_batch_size: 1 (now 8): " + MemoryPlan.gb(one.total())
                + ", fits"), e.getMessage());
        assertFalse(e.getMessage().contains("no setting of these fits"), e.getMessage());
        // the heap has its own limit: the decoder's copy must fit the Java heap's maximum
        assertFalse(whole.fits(new MemoryPlan.Budget(24 * GB, 22 * GB, whole.heap() - 1)));
    }

    @Test
    void machineMemoryIsMemTotalOrALowerCgroupLimit(@TempDir Path dir) throws Exception {
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       24683748 kB\nMemFree: 1 kB\n");
        Path v2 = Files.writeString(dir.resolve("memory.max"), "max\n");
        Path v1 = Files.writeString(dir.resolve("limit"), "9223372036854771712\n");
        assertEquals(24_683_748L * 1024, MachineMemory.bytes(meminfo, List.of(v2, v1, dir.resolve("absent"))));
        Path limited = Files.writeString(dir.resolve("limited"), "8589934592\n");
        assertEquals(8_589_934_592L, MachineMemory.bytes(meminfo, List.of(v2, limited)));
        assertEquals(0, MachineMemory.bytes(dir.resolve("absent"), List.of()));
        assertTrue(MachineMemory.bytes() > GB);
    }

    @Test
    void trainRefusesBeforeReadingTheWeights(@TempDir Path dir) throws Exception {
        // a Llama-3.2-3B config beside an empty weights file: a refusal that came after reading would fail on it
        TrainConfig cfg = configWithoutWeights(dir, BenchSize.LLAMA_3_2_3B, "training.micro_batch_size=4");
        MemoryPlan.DoesNotFit e = assertThrows(MemoryPlan.DoesNotFit.class,
                () -> RunSetup.load(cfg, new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
        assertTrue(e.getMessage().startsWith(
                        "full fine-tuning of this model (3,212,749,824 parameters, mode grpo) needs "),
                e.getMessage());
        assertTrue(e.getMessage().contains("with training.micro_batch_size: 1 (now 4)"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void recomputedLayersKeepEachLayersInputAndOneLayersActivations() {
        // 2 layers x 8 hidden x 4 bytes kept, plus one layer's 306 floats x 4 = 1,224 bytes while it runs
        assertEquals(64 + 1_224, MemoryPlan.recomputedActivationBytesPerToken(SMALL));
        MemoryPlan.Shape kept = new MemoryPlan.Shape(1, 4, 32, true, 0, 0, 0, 0, false);
        MemoryPlan.Line line = MemoryPlan.training("t", SMALL, kept.with(LayerActivations.RECOMPUTED)).lines().stream()
                .filter(l -> l.what().startsWith("activations")).findFirst().orElseThrow();
        assertEquals(4L * 32 * 1_288, line.bytes());
        assertTrue(line.what().contains("each layer's input"), line.what());
    }

    @Test
    void aFullFineTuningRunThatFitsOnlyWithRecomputedLayersIsOfferedThem() {
        TrainConfig cfg = ConfigLoader.load(List.of("training.micro_batch_size=8", "objective.beta=0"));
        LlamaConfig c = BenchSize.SMALL.config();
        MemoryPlan kept = MemoryPlan.training("x", c, MemoryPlan.shape(c, cfg, F32));
        MemoryPlan.Shape recomputedShape = MemoryPlan.shape(c, ConfigLoader.load(List.of("training.micro_batch_size=8",
                "objective.beta=0", "training.recompute_layers=true")), F32);
        assertEquals(LayerActivations.RECOMPUTED, recomputedShape.activations());
        MemoryPlan recomputed = MemoryPlan.training("x", c, recomputedShape);
        assertTrue(recomputed.total() < kept.total());
        long between = (kept.total() + recomputed.total()) / 2;
        MemoryPlan.DoesNotFit e = assertThrows(MemoryPlan.DoesNotFit.class,
                () -> MemoryPlan.check(c, cfg, F32, new MemoryPlan.Budget(24 * GB, between, 11 * GB)));
        assertTrue(e.getMessage().contains("with training.recompute_layers: true (each layer's activations computed "
                + "again in its gradient): " + MemoryPlan.gb(recomputed.total()) + ", fits"), e.getMessage());
    }

    @Test
    void recomputedLayersAreRefusedForAdaptersBeforeReadingTheWeights(@TempDir Path dir) throws Exception {
        TrainConfig cfg = configWithoutWeights(dir, BenchSize.TINY, "model.lora.r=8", "training.recompute_layers=true");
        ConfigException e = assertThrows(ConfigException.class,
                () -> RunSetup.load(cfg, new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
        assertEquals("training.recompute_layers: true covers full fine-tuning of Llama-style layers, and the model "
                + "is trained through low-rank adapters", e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    /**
     * A GRPO run's config over a model directory holding {@code size}'s config.json and an empty weights file (a
     * check that came after reading the weights would fail on it), one training question, and {@code more}.
     */
    private static TrainConfig configWithoutWeights(Path dir, BenchSize size, String... more) throws Exception {
        Path model = Files.createDirectories(dir.resolve(size.label()));
        Files.writeString(model.resolve("config.json"), size.config().toJsonString());
        Files.write(model.resolve("model.safetensors"), new byte[0]);
        Path data = Files.writeString(dir.resolve("train.jsonl"),
                "{\"question\": \"What is 2 + 3?\", \"answer\": \"2 + 3 = 5\\n#### 5\"}\n");
        List<String> overrides = new java.util.ArrayList<>(List.of("mode=grpo", "guidance.k=0", "model.path=" + model,
                "model.tokenizer=models/arith-tiny", "data.train=" + data, "data.test=",
                "output_dir=" + dir.resolve("out")));
        overrides.addAll(List.of(more));
        return ConfigLoader.load(overrides);
    }
}
