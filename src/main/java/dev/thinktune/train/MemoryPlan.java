package dev.thinktune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.lora.LoraConfig;
import dev.thinktune.model.LayerActivations;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.SessionArrayCache;
import dev.thinktune.model.ops.CausalAttention;
import dev.thinktune.model.ops.TokenLogprobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a run will hold in memory, estimated from the model's shape and the run's settings before a weight is read,
 * line by line, so that a run that cannot fit is refused with the arithmetic instead of dying hours later.
 *
 * <p>Each line models an allocation the code makes: SameDiff's arrays off the Java heap (the student's float32
 * weights and each copy of them, the accumulated gradients and those a micro-batch pass returns rather than adds
 * into them as it computes, AdamW's two moments,
 * the activations of one micro-batch kept for the backward pass and their gradients, and where micro-batches vary
 * in length the arrays SameDiff's cache keeps of other lengths) and
 * the Java heap (the rollout decoder's float32 copy of the weights per engine, its key/value cache). The
 * activations follow {@link #activationBytesPerToken}, whose coefficients were fitted to the measured peaks of
 * {@code bench model} (see the README).
 */
public final class MemoryPlan {
    /** Bytes of a float32 value. */
    static final long FLOAT = 4;
    /**
     * The JVM, ND4J's and OpenBLAS's native libraries and buffers, and the Java heap the Vector API kernels fill
     * before the JIT compiles them (interpreted vector operations allocate): the tiny model's forward pass peaks at
     * 450-505 MiB with the attention op, 232-288 MiB without it.
     */
    static final long RUNTIME_BYTES = 400L << 20;
    /** Tokens the rollout engine scores per group ({@code RolloutEngine}: eight batches of 512). */
    static final int SCORING_TOKENS = 8 * 512;

    /** Where an allocation lives. */
    public enum Where { OFF_HEAP, HEAP }

    /** One allocation: what it is, how its size is computed, its bytes. */
    public record Line(String what, String arithmetic, long bytes, Where where) {
    }

    /**
     * The memory this process may use: the machine's (MemTotal, or the cgroup's limit when lower), the part the
     * launcher lets the process hold resident (JavaCPP's {@code maxphysicalbytes}, never more than the machine),
     * and the Java heap's maximum.
     */
    public record Budget(long machineBytes, long usableBytes, long heapBytes) {
        /** This process's budget. */
        public static Budget ofThisProcess() {
            long machine = MachineMemory.bytes();
            long physical = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
            long usable = physical > 0 ? Math.min(physical, machine) : machine;
            return new Budget(machine, usable, Runtime.getRuntime().maxMemory());
        }
    }

    /** A change of settings and the plan it would give, offered when a plan does not fit. */
    public record Alternative(String change, MemoryPlan plan) {
    }

    /** The run's plan does not fit; the message has the arithmetic and what would fit. */
    public static final class DoesNotFit extends IllegalStateException {
        DoesNotFit(String message) {
            super(message);
        }
    }

    private final String title;
    private final List<Line> lines;

    public MemoryPlan(String title, List<Line> lines) {
        this.title = title;
        this.lines = List.copyOf(lines);
    }

    public String title() {
        return title;
    }

    public List<Line> lines() {
        return lines;
    }

    public long total() {
        return lines.stream().mapToLong(Line::bytes).sum();
    }

    /** The part on the Java heap. */
    public long heap() {
        return lines.stream().filter(l -> l.where() == Where.HEAP).mapToLong(Line::bytes).sum();
    }

    public boolean fits(Budget b) {
        return total() <= b.usableBytes() && heap() <= b.heapBytes();
    }

    /** The plan, one line per allocation, then the totals. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(String.format(Locale.ROOT, "  %9s  %-8s %s: %s%n", gb(l.bytes()),
                    l.where() == Where.HEAP ? "heap" : "off-heap", l.what(), l.arithmetic()));
        }
        sb.append(String.format(Locale.ROOT, "  %9s  in all (%s of it on the Java heap)%n", gb(total()), gb(heap())));
        return sb.toString();
    }

    /**
     * Throws {@link DoesNotFit} when this plan does not fit {@code budget}: the message says what needs how much
     * against what the machine has, the plan line by line, and each alternative's total with whether it fits.
     */
    public void requireFits(Budget budget, List<Alternative> alternatives, String otherwise) {
        if (fits(budget)) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s needs %s, the machine has %s (this process may use %s, %s of it "
                        + "Java heap)%n", title, gb(total()), gb(budget.machineBytes()), gb(budget.usableBytes()),
                gb(budget.heapBytes())));
        if (heap() > budget.heapBytes()) {
            sb.append(String.format(Locale.ROOT, "the Java heap part alone, %s, is over the heap's maximum of %s%n",
                    gb(heap()), gb(budget.heapBytes())));
        }
        sb.append(table());
        boolean any = false;
        for (Alternative a : alternatives) {
            boolean fits = a.plan().fits(budget);
            any |= fits;
            sb.append(String.format(Locale.ROOT, "with %s: %s%s%n", a.change(), gb(a.plan().total()),
                    fits ? ", fits" : ", does not fit either"));
        }
        if (!any) {
            sb.append(otherwise).append('\n');
        }
        throw new DoesNotFit(sb.toString().strip());
    }

    /** Bytes in decimal gigabytes, as "19.78 GB" (megabytes below one gigabyte). */
    public static String gb(long bytes) {
        return bytes >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%d MB", Math.round(bytes / 1e6));
    }

    // ---------------------------------------------------------------------------------------------------------
    // the shapes of runs

    /**
     * Bytes of activations per token of a forward and backward pass, as SameDiff holds them at the peak of a
     * training step: per layer 14 hidden-sized values (the residual stream, the two RMSNorms' outputs, the
     * attention's context and output, the MLP's output, and their gradients), 5 per query/key/value width (the
     * projections, the rotated queries and keys, gradients), 7 per MLP width (gate, up, SwiGLU, gradients) and one
     * per attention head (the log-sum-exp of its scores, which {@link CausalAttention} keeps instead of the
     * {@code [heads, T]} scores and probabilities). The counts were fitted to the peaks {@code bench model}
     * measured with the graph's Java ops (tiny and small, whole batch and micro-batch 2; SmolLM2-135M whole batch:
     * see the README), rounding up. Nothing per token grows with the sequence's length: the attention recomputes
     * its probabilities in the backward pass, one {@code [T, T]} block per (sequence, key/value head) and thread on
     * the Java heap (3.3 MB at T = 640). Nothing per token is vocabulary-sized: the head's log-probabilities hold
     * one block of logits at a time ({@link #logitBlockBytes}).
     */
    public static long activationBytesPerToken(LlamaConfig c) {
        long qkv = (long) (c.numHeads() + 2L * c.numKvHeads()) * c.headDim();
        long perLayer = 14L * c.hiddenSize() + 5L * qkv + 7L * c.intermediateSize() + c.numHeads();
        return FLOAT * c.numLayers() * perLayer;
    }

    /**
     * As {@link #activationBytesPerToken}, with each layer's activations recomputed in its gradient
     * ({@link LayerActivations#RECOMPUTED}): the graph keeps each layer's input (one hidden-sized value a layer)
     * and the backward pass holds one layer's activations and their gradients at a time.
     */
    public static long recomputedActivationBytesPerToken(LlamaConfig c) {
        return FLOAT * (long) c.numLayers() * c.hiddenSize() + activationBytesPerToken(c) / c.numLayers();
    }

    /** The block of logits the token log-probabilities of {@code tokens} positions hold at a time. */
    public static long logitBlockBytes(LlamaConfig c, long tokens) {
        return Math.min(tokens * c.vocabSize() * FLOAT, TokenLogprobs.CHUNK_BYTES);
    }

    /** Key and value cache bytes per token ({@code layers x 2 x kv heads x head dim}, float32). */
    public static long kvBytesPerToken(LlamaConfig c) {
        return FLOAT * 2L * c.numLayers() * c.numKvHeads() * c.headDim();
    }

    /** Values of the largest projection matrix of a layer. */
    /**
     * Parameters whose gradients a pass that adds into accumulated sums still returns as arrays of their own: the
     * embedding's and the head's are added in place, and so are the decoder layers' when each layer is one
     * recomputed op ({@code dev.thinktune.model.ops.GradientTargets}).
     */
    static long passGradientParams(LlamaConfig c, LayerActivations activations) {
        return c.parameterShapes().entrySet().stream()
                .filter(e -> !e.getKey().equals("model.embed_tokens.weight") && !e.getKey().equals("lm_head.weight"))
                .filter(e -> activations != LayerActivations.RECOMPUTED || !e.getKey().startsWith("model.layers."))
                .mapToLong(e -> java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b)).sum();
    }

    static long largestProjection(LlamaConfig c) {
        return c.parameterShapes().entrySet().stream().filter(e -> e.getKey().startsWith("model.layers."))
                .mapToLong(e -> e.getValue().length == 1 ? 0 : e.getValue()[0] * e.getValue()[1]).max().orElse(0);
    }

    /**
     * A run's shape: what it allocates.
     *
     * @param weightCopies      float32 copies of the weights SameDiff holds (the checkpoint as read, the policy...)
     * @param microBatch        sequences per forward/backward pass
     * @param sequenceTokens    tokens per training sequence (the longest a micro-batch pads to)
     * @param accumulates       gradients are summed over micro-batches into arrays of their own
     * @param engines           rollout decoders, each with a float32 copy of the weights on the Java heap
     * @param referenceBytes    bytes per parameter of a reference decoder read from the checkpoint in its stored
     *                          dtype (2 for bfloat16, 4 otherwise; 0 = none)
     * @param cacheSequences    sequences the policy engine generates at once (its key/value cache)
     * @param cacheTokens       tokens per generated sequence (prompt and continuation)
     * @param varyingLengths    micro-batches come in many lengths, so SameDiff's array cache also holds arrays of
     *                          lengths other than the current one (up to its cap)
     * @param adapterParams     parameters of the low-rank adapters trained instead of the weights (0: full
     *                          fine-tuning); the weights are then frozen, the gradients and AdamW's moments are the
     *                          adapters', and the one decoder reads the checkpoint as stored ({@code referenceBytes}
     *                          per parameter) and serves as the reference with its adapters off
     */
    public record Shape(int weightCopies, int microBatch, int sequenceTokens, boolean accumulates, int engines,
                        int referenceBytes, int cacheSequences, int cacheTokens, boolean varyingLengths,
                        long adapterParams, LayerActivations activations) {
        public Shape(int weightCopies, int microBatch, int sequenceTokens, boolean accumulates, int engines,
                     int referenceBytes, int cacheSequences, int cacheTokens, boolean varyingLengths) {
            this(weightCopies, microBatch, sequenceTokens, accumulates, engines, referenceBytes, cacheSequences,
                    cacheTokens, varyingLengths, 0, LayerActivations.KEPT);
        }

        public Shape(int weightCopies, int microBatch, int sequenceTokens, boolean accumulates, int engines,
                     int referenceBytes, int cacheSequences, int cacheTokens, boolean varyingLengths,
                     long adapterParams) {
            this(weightCopies, microBatch, sequenceTokens, accumulates, engines, referenceBytes, cacheSequences,
                    cacheTokens, varyingLengths, adapterParams, LayerActivations.KEPT);
        }

        /** The same with the layers' activations kept or recomputed in the backward pass. */
        public Shape with(LayerActivations a) {
            return new Shape(weightCopies, microBatch, sequenceTokens, accumulates, engines, referenceBytes,
                    cacheSequences, cacheTokens, varyingLengths, adapterParams, a);
        }

        public Shape withMicroBatch(int m) {
            return new Shape(weightCopies, m, sequenceTokens, accumulates, engines, referenceBytes, cacheSequences,
                    cacheTokens, varyingLengths, adapterParams, activations);
        }

        public Shape withAnswers(int engines, int sequences) {
            return new Shape(weightCopies, microBatch, sequenceTokens, accumulates, engines, referenceBytes, sequences,
                    cacheTokens, varyingLengths, adapterParams, activations);
        }

        /** The same without a reference model (objective.beta 0). */
        public Shape withoutReference() {
            return new Shape(weightCopies, microBatch, sequenceTokens, accumulates, Math.min(engines, 1),
                    adapterParams > 0 ? referenceBytes : 0, cacheSequences, cacheTokens, varyingLengths, adapterParams, activations);
        }

        /** The same with a checkpoint stored in {@code bytes} bytes per parameter. */
        public Shape withReferenceBytes(int bytes) {
            return new Shape(weightCopies, microBatch, sequenceTokens, accumulates, engines, bytes, cacheSequences,
                    cacheTokens, varyingLengths, adapterParams, activations);
        }

        /** The same training low-rank adapters of {@code params} parameters instead of the weights. */
        public Shape withAdapters(long params) {
            return new Shape(weightCopies, microBatch, sequenceTokens, accumulates, Math.min(engines, 1),
                    referenceBytes, cacheSequences, cacheTokens, varyingLengths, params, activations);
        }

        /** Whether a reference decoder scores the sequences (a second float32 engine, or one read as stored). */
        public boolean hasReference() {
            return engines > 1 || referenceBytes > 0 && adapterParams == 0;
        }
    }

    /** The plan of training {@code c} in the given shape. */
    public static MemoryPlan training(String title, LlamaConfig c, Shape s) {
        return s.adapterParams() > 0 ? adapterTraining(title, c, s) : fullTraining(title, c, s);
    }

    /**
     * Training low-rank adapters: the frozen weights as the checkpoint stores them (constants of the graph: no
     * gradient is computed for them; bfloat16 matrices are widened one at a time where they are multiplied), the adapters' gradients and moments, the activations as for full fine-tuning, and one decoder reading
     * the checkpoint as stored, which with its adapters off is also the KL reference.
     */
    private static MemoryPlan adapterTraining(String title, LlamaConfig c, Shape s) {
        long p = c.parameterCount(), a = s.adapterParams();
        String params = String.format(Locale.ROOT, "%,d adapter parameters x 4 bytes", a);
        List<Line> l = new ArrayList<>();
        int stored = Math.max(2, s.referenceBytes());
        l.add(new Line("student weights, frozen, as stored (" + (stored == 2 ? "bfloat16" : "float32") + ")",
                String.format(Locale.ROOT, "%,d parameters x %d bytes", p, stored), p * stored, Where.OFF_HEAP));
        if (stored == 2) {
            long block = Math.max(largestProjection(c), Math.min(c.vocabSize(), TokenLogprobs.HEAD_ROWS)
                    * (long) c.hiddenSize());
            l.add(new Line("a frozen matrix widened to float32 for its product", String.format(Locale.ROOT,
                    "the largest projection or %,d rows of the head, %,d values x 4 bytes", TokenLogprobs.HEAD_ROWS,
                    block), block * FLOAT, Where.OFF_HEAP));
        }
        l.add(new Line("adapters, their gradients (a pass's and the accumulated) and AdamW's m, v and scratch",
                params + " x 6", 6 * a * FLOAT, Where.OFF_HEAP));
        activationLines(l, c, s);
        l.add(new Line("runtime", "the JVM, ND4J, OpenBLAS and the vector kernels' warm-up", RUNTIME_BYTES,
                Where.OFF_HEAP));
        if (s.engines() > 0) {
            l.add(new Line("rollout decoder weights, as stored (" + (stored == 2 ? "bfloat16" : "float32")
                    + "), also the reference with its adapters off", String.format(Locale.ROOT,
                    "%,d parameters x %d bytes", p, stored), p * stored, Where.HEAP));
            l.add(cacheLine(c, s));
        }
        return new MemoryPlan(title, l);
    }

    /** The activations of one micro-batch, the head's block of logits and SameDiff's cache of other lengths. */
    private static void activationLines(List<Line> l, LlamaConfig c, Shape s) {
        boolean recomputed = s.activations() == LayerActivations.RECOMPUTED;
        long perToken = recomputed ? recomputedActivationBytesPerToken(c) : activationBytesPerToken(c);
        long activations = (long) s.microBatch() * s.sequenceTokens() * perToken;
        l.add(new Line(recomputed ? "activations of one micro-batch: each layer's input, one layer's pass and "
                + "its gradients" : "activations of one micro-batch and their gradients", String.format(Locale.ROOT,
                "%d sequences x %d tokens x %,d bytes a token", s.microBatch(), s.sequenceTokens(), perToken),
                activations, Where.OFF_HEAP));
        long tokens = (long) s.microBatch() * s.sequenceTokens();
        l.add(new Line("a block of the head's logits", String.format(Locale.ROOT,
                "at most %s, %,d of %,d tokens x %,d vocabulary x 4 bytes", gb(TokenLogprobs.CHUNK_BYTES),
                logitBlockBytes(c, tokens) / FLOAT / c.vocabSize(), tokens, c.vocabSize()),
                logitBlockBytes(c, tokens), Where.OFF_HEAP));
        if (s.varyingLengths()) {
            l.add(new Line("SameDiff's array cache, arrays of other sequence lengths", String.format(Locale.ROOT,
                    "the activations again, at most the cache's cap of %s", gb(SessionArrayCache.MAX_CACHE_BYTES)),
                    Math.min(activations, SessionArrayCache.MAX_CACHE_BYTES), Where.OFF_HEAP));
        }
    }

    /** The policy decoder's key/value cache. */
    private static Line cacheLine(LlamaConfig c, Shape s) {
        long kv = kvBytesPerToken(c);
        long cacheTokens = (long) s.cacheSequences() * roundUp(s.cacheTokens(), 16);
        return new Line("rollout key/value cache", String.format(Locale.ROOT,
                "%d sequences x %d tokens x %,d bytes a token (%d layers x 2 x %d kv heads x %d x 4)",
                s.cacheSequences(), roundUp(s.cacheTokens(), 16), kv, c.numLayers(), c.numKvHeads(), c.headDim()),
                cacheTokens * kv, Where.HEAP);
    }

    private static MemoryPlan fullTraining(String title, LlamaConfig c, Shape s) {
        long p = c.parameterCount();
        String params = String.format(Locale.ROOT, "%,d parameters x 4 bytes", p);
        List<Line> l = new ArrayList<>();
        l.add(new Line("student weights, float32", params + (s.weightCopies() > 1 ? " x " + s.weightCopies()
                + " copies (the checkpoint as read, the policy being trained" + (s.weightCopies() > 2
                ? ", a reference)" : ")") : ""), s.weightCopies() * p * FLOAT, Where.OFF_HEAP));
        if (s.accumulates()) {
            long returned = passGradientParams(c, s.activations());
            l.add(new Line("gradients of one forward/backward pass", String.format(Locale.ROOT,
                    "%,d parameters x 4 bytes (%s: the rest are added into the accumulated ones as computed)",
                    returned, s.activations() == LayerActivations.RECOMPUTED ? "the final norm's"
                            : "the decoder layers' and the final norm's"), returned * FLOAT, Where.OFF_HEAP));
            l.add(new Line("gradients accumulated over micro-batches", params, p * FLOAT, Where.OFF_HEAP));
        } else {
            l.add(new Line("gradients of one forward/backward pass", params, p * FLOAT, Where.OFF_HEAP));
        }
        l.add(new Line("AdamW moments m and v", params + " x 2", 2 * p * FLOAT, Where.OFF_HEAP));
        if (c.tieWordEmbeddings() && !s.accumulates()) {
            l.add(new Line("the tied embedding's two gradient parts", String.format(Locale.ROOT,
                    "lookup and head, each %,d x %,d x 4 bytes, before their sum", c.vocabSize(), c.hiddenSize()),
                    2L * c.vocabSize() * c.hiddenSize() * FLOAT, Where.OFF_HEAP));
        }
        activationLines(l, c, s);
        l.add(new Line("runtime", "the JVM, ND4J, OpenBLAS and the vector kernels' warm-up", RUNTIME_BYTES,
                Where.OFF_HEAP));
        if (s.engines() > 0) {
            l.add(new Line("rollout decoder weights, float32", params + (s.engines() > 1 ? " x " + s.engines()
                    + " engines (policy, reference)" : ""), s.engines() * p * FLOAT, Where.HEAP));
            if (s.referenceBytes() > 0) {
                l.add(new Line("reference decoder weights, as stored (" + (s.referenceBytes() == 2 ? "bfloat16"
                        : "float32") + ")", String.format(Locale.ROOT, "%,d parameters x %d bytes", p,
                        s.referenceBytes()), p * s.referenceBytes(), Where.HEAP));
            }
            l.add(cacheLine(c, s));
            long kv = kvBytesPerToken(c);
            if (s.hasReference()) {
                l.add(new Line("reference decoder's scoring cache", String.format(Locale.ROOT,
                        "%d tokens x %,d bytes a token", SCORING_TOKENS, kv), SCORING_TOKENS * kv, Where.HEAP));
            }
        }
        return new MemoryPlan(title, l);
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    /**
     * The shape of a training run from its config (what {@link TrainingRun}, {@link SftRun} and {@link StarRun}
     * allocate), for a checkpoint stored with {@code storedBytes} bytes per parameter ({@link #storedBytes}: 2 for
     * bfloat16), which the reference decoder keeps.
     */
    public static Shape shape(LlamaConfig c, TrainConfig cfg, int storedBytes) {
        int answer = cfg.rollout().maxNewTokens() + (cfg.usesGuidance() ? cfg.guidance().teacher().maxNewTokens() : 0);
        int seq = Math.min(c.maxPositions(), roundUp(cfg.data().maxPromptTokens() + answer, 16));
        int evalSeq = cfg.data().maxPromptTokens() + cfg.eval().maxNewTokens();
        int perStep = cfg.training().questionsPerStep() * cfg.rollout().n();
        boolean reference = cfg.objective().beta() > 0;
        if (cfg.model().lora() != null) {
            // the graph holds the frozen weights once; the one decoder reads the checkpoint as stored
            int answers = switch (cfg.mode()) {
                case SFT -> 64;
                case STAR -> Math.max(64, cfg.star().samples() * 8);
                default -> perStep;
            };
            int cacheTokens = switch (cfg.mode()) {
                case SFT -> evalSeq;
                case STAR -> seq;
                default -> Math.min(c.maxPositions(), Math.max(cfg.data().maxPromptTokens() + answer + 8, evalSeq));
            };
            return new Shape(1, cfg.training().microBatchSize(), seq, true, 1, storedBytes, answers, cacheTokens,
                    true, LoraAdapters.parameterCount(cfg.model().lora(), c));
        }
        return fullShape(c, cfg, storedBytes, seq, evalSeq, perStep, answer, reference)
                .with(cfg.training().layerActivations());
    }

    private static Shape fullShape(LlamaConfig c, TrainConfig cfg, int storedBytes, int seq, int evalSeq, int perStep,
                                   int answer, boolean reference) {
        return switch (cfg.mode()) {
            // TrainingRun trains the checkpoint's arrays in place; the policy's decoder is float32, the reference's
            // is read from the checkpoint as stored
            case THINKTUNE, GRPO -> new Shape(1, cfg.training().microBatchSize(), seq, true, 1,
                    reference ? storedBytes : 0, perStep, Math.min(c.maxPositions(), Math.max(cfg.data().maxPromptTokens() + answer + 8, evalSeq)),
                    true);
            // SftRun trains the checkpoint's arrays themselves; one engine evaluates (64 questions at a time)
            case SFT -> new Shape(1, cfg.training().microBatchSize(), seq, true, 1, 0, 64, evalSeq, true);
            // StarRun: the original, the engine's copy of it and each iteration's student
            case STAR -> new Shape(3, cfg.training().microBatchSize(), seq, true, 1, 0,
                    Math.max(64, cfg.star().samples() * 8), seq, true);
        };
    }

    /**
     * Bytes per parameter of the checkpoint in {@code modelDir} as its config.json states ({@code torch_dtype}):
     * 2 for bfloat16, else 4 (float32, and half, which the decoder widens), without reading a weight.
     */
    public static int storedBytes(Path modelDir) {
        try {
            JsonNode dtype = new ObjectMapper().readTree(modelDir.resolve("config.json").toFile()).path("torch_dtype");
            return "bfloat16".equals(dtype.asText()) ? 2 : 4;
        } catch (IOException e) {
            return 4;
        }
    }

    /**
     * Refuses a training run that cannot fit this process before its weights are read, naming the fields of the
     * config that change what it needs ({@code storedBytes} as for {@link #shape}).
     */
    public static void check(LlamaConfig c, TrainConfig cfg, int storedBytes, Budget budget) {
        Shape s = shape(c, cfg, storedBytes);
        String title = (s.adapterParams() > 0 ? String.format(Locale.ROOT, "training low-rank adapters (r = %d, "
                + "%,d parameters) on this model", cfg.model().lora().r(), s.adapterParams())
                : "full fine-tuning of this model") + " (" + String.format(Locale.ROOT, "%,d", c.parameterCount())
                + " parameters, mode " + cfg.mode().id() + ")";
        List<Alternative> alts = new ArrayList<>();
        if (s.adapterParams() == 0) {
            long adapters = LoraAdapters.parameterCount(LoraConfig.DEFAULTS, c);
            alts.add(new Alternative("low-rank adapters (model.lora: {} - r 16 on all seven projections)",
                    training(title, c, s.withAdapters(adapters).withReferenceBytes(storedBytes))));
            alts.add(new Alternative("low-rank adapters and training.micro_batch_size: 1",
                    training(title, c, s.withMicroBatch(1).withAdapters(adapters).withReferenceBytes(storedBytes))));
        }
        if (s.adapterParams() == 0 && s.activations() == LayerActivations.KEPT
                && LayerActivations.obstacle(c, false) == null) {
            alts.add(new Alternative("training.recompute_layers: true (each layer's activations computed again in "
                    + "its gradient)", training(title, c, s.with(LayerActivations.RECOMPUTED))));
        }
        if (s.microBatch() > 1) {
            alts.add(new Alternative("training.micro_batch_size: 1 (now " + s.microBatch() + ")",
                    training(title, c, s.withMicroBatch(1))));
        }
        if (s.hasReference()) {
            Shape noRef = s.withMicroBatch(1).withoutReference();
            alts.add(new Alternative("objective.beta: 0 (no reference model for the KL term) and "
                    + "training.micro_batch_size: 1", training(title, c, noRef)));
        }
        int fewer = Math.max(1, s.cacheSequences() / 4);
        if (fewer < s.cacheSequences()) {
            Shape small = s.withMicroBatch(1).withAnswers(s.engines(), fewer);
            alts.add(new Alternative("a quarter of the answers per step (training.questions_per_step x rollout.n = "
                    + fewer + ") and training.micro_batch_size: 1", training(title, c, small)));
        }
        training(title, c, s).requireFits(budget, alts, String.format(Locale.ROOT,
                "no setting of these fits: the %s alone need %s; use a smaller model",
                s.adapterParams() > 0 ? "frozen weights" : "weights, two sets of gradients (a pass's and the "
                        + "accumulated) and AdamW's two moments",
                gb(s.adapterParams() > 0 ? c.parameterCount() * Math.max(2, storedBytes)
                        : 5 * c.parameterCount() * FLOAT)));
    }
}
