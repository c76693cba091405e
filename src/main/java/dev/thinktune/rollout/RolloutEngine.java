package dev.thinktune.rollout;

import dev.thinktune.lora.LoraAdapters;
import dev.thinktune.model.CheckpointTensors;
import dev.thinktune.model.HfCheckpoint;
import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import dev.thinktune.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The student's rollout engine: batched sampling with a key/value cache on a dedicated Java decoder (JDK Vector
 * API, multi-threaded) over a copy of the student's weights.
 *
 * <p>{@link #generate} prefills every prompt once (its {@code n} continuations copy the prompt's cache rows),
 * then decodes one token per step for every live continuation; a continuation that ends (a stop id, a stop
 * string, the token limit) leaves the batch. Each continuation samples from its own generator seeded by
 * {@link GenerationRequest#sampleSeed}, and a row's arithmetic never depends on the other rows of the batch, so
 * the same seed gives the same tokens whatever else is generated alongside. Every token carries its log-probability
 * under the full softmax at temperature 1 (the old policy's log-prob), and, when the request asks
 * ({@link GenerationRequest#topLogprobs}), the most likely tokens of the same row of logits.
 *
 * <p>{@link #logprobs} scores given sequences (the trainer's old-policy and reference log-probs) on the same
 * decoder. After an optimizer update call {@link #refreshWeights()}: the decoder copies the weights from the
 * {@code INDArray}s' off-heap buffers into its own arrays in one pass. Commands that only sample build the
 * engine with {@link #create(Path, Options)} straight from a checkpoint directory, in the checkpoint's precision.
 *
 * <p>With low-rank adapters ({@link #create(ModelWeights, LoraAdapters, Options)},
 * {@link #create(Path, LoraAdapters, Options)}) the decoder applies them beside the frozen base weights, never
 * merged into a second copy: {@link #refreshWeights()} then copies only the adapters again, and
 * {@link #baseScorer()} scores with them switched off (the base model, a LoRA run's reference).
 *
 * <p>One call at a time (methods are synchronized). Close the engine to stop its threads.
 */
public final class RolloutEngine implements Generator, SequenceScorer, AutoCloseable {

    /**
     * Engine settings.
     *
     * @param threads           decoder threads (the caller's thread is one of them); 0 = available processors
     * @param maxSequenceLength longest prompt + continuation accepted; 0 = the model's max_position_embeddings
     * @param maxBatchTokens    tokens per forward pass (prefill chunks, scoring chunks, decode batches); it bounds
     *                          the activation buffers
     * @param tokenizer         decodes continuations for stop strings; null when no request uses them
     */
    public record Options(int threads, int maxSequenceLength, int maxBatchTokens, Tokenizer tokenizer) {
        public Options {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0, got " + threads);
            }
            if (maxSequenceLength < 0) {
                throw new IllegalArgumentException("maxSequenceLength must be >= 0, got " + maxSequenceLength);
            }
            if (maxBatchTokens < 1) {
                throw new IllegalArgumentException("maxBatchTokens must be >= 1, got " + maxBatchTokens);
            }
        }

        public static Options defaults() {
            return new Options(0, 0, 512, null);
        }

        public Options withThreads(int n) {
            return new Options(n, maxSequenceLength, maxBatchTokens, tokenizer);
        }

        public Options withMaxSequenceLength(int n) {
            return new Options(threads, n, maxBatchTokens, tokenizer);
        }

        public Options withMaxBatchTokens(int n) {
            return new Options(threads, maxSequenceLength, n, tokenizer);
        }

        public Options withTokenizer(Tokenizer t) {
            return new Options(threads, maxSequenceLength, maxBatchTokens, t);
        }
    }

    /** The trainer's arrays this engine copies from on {@link #refreshWeights()}; null when built from a checkpoint. */
    private final ModelWeights source;
    /** The adapters applied beside the weights, copied again on {@link #refreshWeights()}; null when none. */
    private final AdapterWeights adapters;
    private final LlamaConfig cfg;
    private final Options options;
    private final int maxSequenceLength;
    private final Team team;
    private final DecoderWeights weights;
    private final Decoder decoder;
    private final Sampler[] samplers;
    private final float[][] lpScratch;

    private RolloutEngine(ModelWeights source, WeightSource weightSource, LoraAdapters lora, Options options) {
        this.source = source;
        this.cfg = weightSource.config();
        this.options = options;
        int max = cfg.maxPositions();
        this.maxSequenceLength = options.maxSequenceLength() == 0 ? max : Math.min(max, options.maxSequenceLength());
        int threads = options.threads() == 0 ? Runtime.getRuntime().availableProcessors() : options.threads();
        this.team = new Team(threads);
        try {
            this.weights = new DecoderWeights(weightSource);
            this.adapters = lora == null ? null : new AdapterWeights(weights, lora);
            weights.load(weightSource, team);
            if (adapters != null) {
                adapters.load(team);
            }
            this.decoder = new Decoder(weights, adapters, team, options.maxBatchTokens());
        } catch (RuntimeException | Error e) {
            team.close();
            throw e;
        }
        this.samplers = new Sampler[threads];
        this.lpScratch = new float[threads][1];
        for (int t = 0; t < threads; t++) {
            samplers[t] = new Sampler(cfg.vocabSize(), decoder.ldV);
        }
    }

    /** An engine over {@code weights} with default options (all processors, the model's context length). */
    public static RolloutEngine create(ModelWeights weights) {
        return create(weights, Options.defaults());
    }

    /**
     * An engine over the trainer's float32 {@code weights}: it decodes in float32, exactly as the training graph
     * computes, and {@link #refreshWeights()} copies them again after an update.
     */
    public static RolloutEngine create(ModelWeights weights, Options options) {
        return new RolloutEngine(weights, WeightSource.of(weights), null, options);
    }

    /**
     * An engine over the frozen float32 {@code base} with {@code adapters} applied beside it (a LoRA run's
     * policy): {@link #refreshWeights()} copies the adapters again after an update, the base never.
     */
    public static RolloutEngine create(ModelWeights base, LoraAdapters adapters, Options options) {
        return new RolloutEngine(base, WeightSource.of(base), java.util.Objects.requireNonNull(adapters, "adapters"),
                options);
    }

    /**
     * An engine straight from a Hugging Face model directory, for commands that only sample: the tensors are
     * read once, in their stored dtype, into the decoder's panels (bfloat16 stays bfloat16, half as many bytes
     * per step; float32 and half become float32). No float32 copy of the model is made, and nothing is mapped.
     */
    public static RolloutEngine create(Path checkpoint, Options options) {
        return create(checkpoint, HfCheckpoint.WEIGHTS, options);
    }

    /** As {@link #create(Path, Options)}, the weights read from {@code weightsFile} (a file in it, or the index). */
    public static RolloutEngine create(Path checkpoint, String weightsFile, Options options) {
        return create(checkpoint, weightsFile, null, options);
    }

    /**
     * An engine over the checkpoint in {@code checkpoint}, read in its stored dtype as
     * {@link #create(Path, Options)}, with {@code adapters} (float32) applied beside its weights: what a LoRA run
     * on a bfloat16 checkpoint samples with. {@link #refreshWeights()} copies the adapters again.
     */
    public static RolloutEngine create(Path checkpoint, LoraAdapters adapters, Options options) {
        return create(checkpoint, HfCheckpoint.WEIGHTS, java.util.Objects.requireNonNull(adapters, "adapters"),
                options);
    }

    /** As {@link #create(Path, LoraAdapters, Options)} from {@code weightsFile}; {@code adapters} may be null. */
    public static RolloutEngine create(Path checkpoint, String weightsFile, LoraAdapters adapters, Options options) {
        try (CheckpointTensors tensors = CheckpointTensors.open(checkpoint, weightsFile)) {
            return new RolloutEngine(null, WeightSource.checkpoint(tensors), adapters, options);
        }
    }

    public LlamaConfig config() {
        return cfg;
    }

    public Options options() {
        return options;
    }

    /** The longest prompt plus continuation this engine accepts. */
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    public int threads() {
        return team.size();
    }

    /**
     * Bytes of weights one decode step streams (every projection and the head, in their stored precision, and
     * the adapters' float32 A and B).
     */
    public long weightBytesPerStep() {
        return weights.streamedBytes() + adapterBytes();
    }

    /** Bytes of the adapters' packed A and B (0 without adapters). */
    public long adapterBytes() {
        return adapters == null ? 0 : adapters.bytes();
    }

    /** The adapters this engine applies, or null when it has none. */
    public LoraAdapters adapters() {
        return adapters == null ? null : adapters.adapters;
    }

    /** Bytes of weights the decoder holds on the Java heap (the adapters' included). */
    public long weightBytesHeld() {
        return weights.heldBytes() + adapterBytes();
    }

    /** The decoder, for tests that steer its parallel paths. */
    Decoder decoder() {
        return decoder;
    }

    /**
     * Copies the current values of the weights this engine was created from into the decoder (after an optimizer
     * update): one pass over each tensor, read from its off-heap buffer. An engine with adapters copies only the
     * adapters (its base weights are frozen), whether it was built from arrays or from a checkpoint.
     */
    public synchronized void refreshWeights() {
        if (adapters != null) {
            adapters.load(team);
            return;
        }
        if (source == null) {
            throw new IllegalStateException("this engine was built from a checkpoint directory; only an engine"
                    + " created from ModelWeights can refresh them");
        }
        weights.load(WeightSource.of(source), team);
    }

    /**
     * Copies {@code other}'s weights (same architecture) into the decoder, e.g. to score with a reference model.
     * The decoder must hold float32 weights (an engine created from {@code ModelWeights}).
     */
    public synchronized void syncFrom(ModelWeights other) {
        if (!weights.isFloat32()) {
            throw new IllegalStateException("this engine holds the checkpoint's bfloat16 weights; float32 weights"
                    + " go into an engine created from ModelWeights");
        }
        weights.load(WeightSource.of(other), team);
    }

    /**
     * Scores with the adapters switched off: the base model alone, a LoRA run's KL reference, with no second copy
     * of its weights. One call at a time with the engine's other methods. An engine without adapters scores as
     * itself.
     */
    public SequenceScorer baseScorer() {
        return adapters == null ? this : sequences -> withoutAdapters(() -> logprobs(sequences));
    }

    /**
     * Generates with the adapters switched off: the base model alone, from the same copy of its weights. One
     * call at a time with the engine's other methods. An engine without adapters generates as itself.
     */
    public Generator baseGenerator() {
        return adapters == null ? this : (requests, listener) -> withoutAdapters(() -> generate(requests, listener));
    }

    private synchronized <T> T withoutAdapters(java.util.function.Supplier<T> work) {
        decoder.adaptersOn = false;
        try {
            return work.get();
        } finally {
            decoder.adaptersOn = true;
        }
    }

    @Override
    public synchronized long cacheBytes() {
        return decoder.cacheBytes();
    }

    /** Frees the key/value cache; the next call allocates what it needs. */
    @Override
    public synchronized void releaseCache() {
        decoder.releaseCache();
    }

    @Override
    public void close() {
        team.close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // generation

    /** One continuation being generated. */
    private static final class Seq {
        final int request;
        final int sample;
        final SamplingParams params;
        final SplittableRandom rng;
        final int slot;
        final int promptLength;
        final int[] tokens;
        final float[] logprobs;
        final int topK;
        final TopLogprobs[] top;
        final Tokenizer.StreamingDecoder text;
        final StringBuilder decoded;
        int count;
        FinishReason finish;

        Seq(int request, int sample, GenerationRequest req, int slot, Tokenizer tokenizer) {
            this.request = request;
            this.sample = sample;
            this.params = req.params();
            this.rng = new SplittableRandom(req.sampleSeed(sample));
            this.slot = slot;
            this.promptLength = req.promptIds().length;
            this.tokens = new int[params.maxNewTokens()];
            this.logprobs = new float[params.maxNewTokens()];
            this.topK = req.topLogprobs();
            this.top = topK > 0 ? new TopLogprobs[params.maxNewTokens()] : null;
            boolean strings = !params.stopStrings().isEmpty();
            this.text = strings ? tokenizer.streamingDecoder() : null;
            this.decoded = strings ? new StringBuilder() : null;
        }

        int lastToken() {
            return tokens[count - 1];
        }

        /** Appends a sampled token and decides whether the continuation ends here. */
        void append(int token, float logprob, TopLogprobs alternatives) {
            tokens[count] = token;
            logprobs[count] = logprob;
            if (top != null) {
                top[count] = alternatives;
            }
            count++;
            if (params.stopIds().contains(token)) {
                finish = FinishReason.EOS;
                return;
            }
            if (text != null) {
                int before = decoded.length();
                decoded.append(text.next(token));
                for (String stop : params.stopStrings()) {
                    if (decoded.indexOf(stop, Math.max(0, before - stop.length() + 1)) >= 0) {
                        finish = FinishReason.STOP;
                        return;
                    }
                }
            }
            if (count == params.maxNewTokens()) {
                finish = FinishReason.LENGTH;
            }
        }

        Completion completion() {
            return new Completion(Arrays.copyOf(tokens, count), Arrays.copyOf(logprobs, count), finish,
                    promptLength, top == null ? List.of() : Arrays.asList(Arrays.copyOf(top, count)));
        }

        /** The alternatives of the token just appended. */
        TopLogprobs lastTop() {
            return top == null ? TopLogprobs.NONE : top[count - 1];
        }

        /** Samples this continuation's next token from a row of logits, into slot {@code at} of the outputs. */
        void sample(Sampler sampler, float[] scratch, float[] logits, int off, int vocab, int at, int[] token,
                    float[] logprob, TopLogprobs[] alternatives) {
            token[at] = sampler.sample(logits, off, params, rng, scratch);
            logprob[at] = scratch[0];
            alternatives[at] = topK > 0 ? TopLogprobs.of(logits, off, vocab, topK) : TopLogprobs.NONE;
        }
    }

    @Override
    public synchronized List<List<Completion>> generate(List<GenerationRequest> requests, TokenListener listener) {
        validate(requests);
        if (requests.isEmpty()) {
            return List.of();
        }
        List<Seq> seqs = new ArrayList<>();
        int[] firstSlot = new int[requests.size()];
        int maxLength = 0;
        for (int r = 0; r < requests.size(); r++) {
            GenerationRequest req = requests.get(r);
            firstSlot[r] = seqs.size();
            for (int s = 0; s < req.n(); s++) {
                seqs.add(new Seq(r, s, req, seqs.size(), options.tokenizer()));
            }
            maxLength = Math.max(maxLength, req.promptIds().length + req.params().maxNewTokens());
        }
        decoder.ensureCapacity(seqs.size(), maxLength);

        // prefill: every prompt once, into its first continuation's slot; logits at its last token
        List<int[]> prompts = new ArrayList<>(requests.size());
        requests.forEach(q -> prompts.add(q.promptIds()));
        int vocab = cfg.vocabSize();
        int[] nextToken = new int[seqs.size()];
        float[] nextLogprob = new float[seqs.size()];
        TopLogprobs[] nextTop = new TopLogprobs[seqs.size()];
        runSequences(prompts, firstSlot, (seq, pos) -> pos == prompts.get(seq).length - 1,
                (thread, seq, pos, logits, off) -> {
                    for (int i = firstSlot[seq]; i < firstSlot[seq] + requests.get(seq).n(); i++) {
                        seqs.get(i).sample(samplers[thread], lpScratch[thread], logits, off, vocab, i, nextToken,
                                nextLogprob, nextTop);
                    }
                });
        for (int r = 0; r < requests.size(); r++) {
            for (int s = 1; s < requests.get(r).n(); s++) {
                decoder.cache.copyPrefix(firstSlot[r], firstSlot[r] + s, prompts.get(r).length);
            }
        }
        List<Seq> live = new ArrayList<>(seqs.size());
        for (Seq s : seqs) {
            s.append(nextToken[s.slot], nextLogprob[s.slot], nextTop[s.slot]);
            listener.onToken(s.request, s.sample, s.lastToken(), nextLogprob[s.slot], s.lastTop());
            if (s.finish == null) {
                live.add(s);
            }
        }

        // decode: one token per live continuation per step, finished ones leave the batch
        int cap = decoder.maxRows;
        int[] ids = new int[Math.min(cap, seqs.size())];
        int[] pos = new int[ids.length];
        int[] slot = new int[ids.length];
        int[] sel = new int[ids.length];
        for (int i = 0; i < sel.length; i++) {
            sel[i] = i;
        }
        while (!live.isEmpty()) {
            for (int c0 = 0; c0 < live.size(); c0 += cap) {
                int rows = Math.min(cap, live.size() - c0);
                for (int i = 0; i < rows; i++) {
                    Seq s = live.get(c0 + i);
                    ids[i] = s.lastToken();
                    pos[i] = s.promptLength + s.count - 1;
                    slot[i] = s.slot;
                }
                decoder.forward(rows, ids, pos, slot, sel, rows, true);
                int base = c0;
                for (int h0 = 0; h0 < rows; h0 += decoder.headChunk) {
                    decoder.logits(h0, Math.min(decoder.headChunk, rows - h0), (thread, row, logits, off) -> {
                        Seq s = live.get(base + row);
                        s.sample(samplers[thread], lpScratch[thread], logits, off, vocab, s.slot, nextToken,
                                nextLogprob, nextTop);
                    });
                }
            }
            for (Seq s : live) {
                s.append(nextToken[s.slot], nextLogprob[s.slot], nextTop[s.slot]);
                listener.onToken(s.request, s.sample, s.lastToken(), nextLogprob[s.slot], s.lastTop());
            }
            live.removeIf(s -> s.finish != null);
        }

        List<List<Completion>> out = new ArrayList<>(requests.size());
        for (int r = 0; r < requests.size(); r++) {
            List<Completion> cs = new ArrayList<>(requests.get(r).n());
            for (int s = 0; s < requests.get(r).n(); s++) {
                cs.add(seqs.get(firstSlot[r] + s).completion());
            }
            out.add(List.copyOf(cs));
        }
        return List.copyOf(out);
    }

    private void validate(List<GenerationRequest> requests) {
        int vocab = cfg.vocabSize();
        for (int r = 0; r < requests.size(); r++) {
            GenerationRequest q = requests.get(r);
            int[] p = q.promptIds();
            checkIds("request " + r + ": prompt", p, vocab);
            long total = (long) p.length + q.params().maxNewTokens();
            if (total > maxSequenceLength) {
                throw new IllegalArgumentException("request " + r + ": prompt of " + p.length
                        + " tokens + max_new_tokens " + q.params().maxNewTokens() + " = " + total
                        + " exceeds the maximum sequence length " + maxSequenceLength);
            }
            if (!q.params().stopStrings().isEmpty() && options.tokenizer() == null) {
                throw new IllegalArgumentException("request " + r + " has stop strings but the engine has no"
                        + " tokenizer to decode text (Options.withTokenizer)");
            }
        }
    }

    private static void checkIds(String what, int[] ids, int vocab) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException(what + ": token id " + ids[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // scoring

    /**
     * Next-token log-probabilities of whole sequences (prompt and response) at temperature 1: for a sequence of
     * length T, element t of its array is {@code log p(seq[t+1] | seq[0..t])}, t in 0..T-2 (as
     * {@code StudentModel.tokenLogprobs} gives per row).
     */
    @Override
    public List<float[]> logprobs(List<int[]> sequences) {
        int[] first = new int[sequences.size()];
        Arrays.fill(first, 1);
        return logprobs(sequences, first);
    }

    /**
     * Log-probabilities of the tokens of each sequence from index {@code firstTarget[i]} on (at least 1): element
     * j of sequence i's array is {@code log p(seq[f+j] | seq[0..f+j-1])} with {@code f = firstTarget[i]}, so a
     * trainer scores only the response and the head runs only where it is needed.
     */
    public synchronized List<float[]> logprobs(List<int[]> sequences, int[] firstTarget) {
        if (firstTarget.length != sequences.size()) {
            throw new IllegalArgumentException("one firstTarget per sequence");
        }
        validateSequences(sequences);
        List<float[]> out = new ArrayList<>(sequences.size());
        for (int i = 0; i < sequences.size(); i++) {
            int len = sequences.get(i).length;
            if (firstTarget[i] < 1 || firstTarget[i] > len) {
                throw new IllegalArgumentException("sequence " + i + ": firstTarget " + firstTarget[i]
                        + " outside [1, " + len + "]");
            }
            out.add(new float[len - firstTarget[i]]);
        }
        int vocab = cfg.vocabSize();
        scoreInGroups(sequences, (seq, pos) -> pos >= firstTarget[seq] - 1 && pos < sequences.get(seq).length - 1,
                (thread, seq, pos, logits, off) -> out.get(seq)[pos + 1 - firstTarget[seq]] =
                        Sampler.logprob(logits, off, vocab, sequences.get(seq)[pos + 1]));
        return out;
    }

    /** Logits of every position of each sequence, {@code [T, V]} row-major per sequence (for checks and tools). */
    public synchronized List<float[]> logits(List<int[]> sequences) {
        validateSequences(sequences);
        int vocab = cfg.vocabSize();
        List<float[]> out = new ArrayList<>(sequences.size());
        for (int[] s : sequences) {
            out.add(new float[Math.multiplyExact(s.length, vocab)]);
        }
        scoreInGroups(sequences, (seq, pos) -> true,
                (thread, seq, pos, logits, off) -> System.arraycopy(logits, off, out.get(seq), pos * vocab, vocab));
        return out;
    }

    private void validateSequences(List<int[]> sequences) {
        for (int i = 0; i < sequences.size(); i++) {
            int[] s = sequences.get(i);
            if (s == null || s.length == 0) {
                throw new IllegalArgumentException("sequence " + i + " is empty");
            }
            if (s.length > maxSequenceLength) {
                throw new IllegalArgumentException("sequence " + i + " has " + s.length
                        + " tokens, more than the maximum sequence length " + maxSequenceLength);
            }
            checkIds("sequence " + i, s, cfg.vocabSize());
        }
    }

    /** Scores sequences a group at a time (the group's cache at most a few batches of tokens). */
    private void scoreInGroups(List<int[]> sequences, Selector selector, SeqConsumer consumer) {
        long budget = 8L * decoder.maxRows;
        int start = 0;
        while (start < sequences.size()) {
            int end = start;
            long tokens = 0;
            int longest = 0;
            while (end < sequences.size() && (end == start || tokens + sequences.get(end).length <= budget)) {
                tokens += sequences.get(end).length;
                longest = Math.max(longest, sequences.get(end).length);
                end++;
            }
            decoder.ensureCapacity(end - start, longest);
            int[] slots = new int[end - start];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = i;
            }
            int offset = start;
            runSequences(sequences.subList(start, end), slots, (seq, pos) -> selector.test(offset + seq, pos),
                    (thread, seq, pos, logits, off) -> consumer.accept(thread, offset + seq, pos, logits, off));
            start = end;
        }
    }

    @FunctionalInterface
    private interface Selector {
        boolean test(int seq, int pos);
    }

    @FunctionalInterface
    private interface SeqConsumer {
        void accept(int thread, int seq, int pos, float[] logits, int off);
    }

    /**
     * Runs all tokens of {@code seqs} (sequence i in cache slot {@code slots[i]}) through the decoder in chunks of
     * at most {@code maxBatchTokens}, and hands the logits of the selected positions to {@code consumer} (on team
     * threads, any order). A sequence may span chunks: its earlier tokens are in the cache by then.
     */
    private void runSequences(List<int[]> seqs, int[] slots, Selector selector, SeqConsumer consumer) {
        int cap = decoder.maxRows;
        int[] ids = new int[cap];
        int[] pos = new int[cap];
        int[] slot = new int[cap];
        int[] sel = new int[cap];
        int[] selSeq = new int[cap];
        int[] selPos = new int[cap];
        int rows = 0;
        int nSel = 0;
        for (int s = 0; s < seqs.size(); s++) {
            int[] toks = seqs.get(s);
            for (int t = 0; t < toks.length; t++) {
                ids[rows] = toks[t];
                pos[rows] = t;
                slot[rows] = slots[s];
                if (selector.test(s, t)) {
                    sel[nSel] = rows;
                    selSeq[nSel] = s;
                    selPos[nSel] = t;
                    nSel++;
                }
                rows++;
                if (rows == cap) {
                    flush(rows, ids, pos, slot, sel, nSel, selSeq, selPos, consumer);
                    rows = 0;
                    nSel = 0;
                }
            }
        }
        if (rows > 0) {
            flush(rows, ids, pos, slot, sel, nSel, selSeq, selPos, consumer);
        }
    }

    private void flush(int rows, int[] ids, int[] pos, int[] slot, int[] sel, int nSel, int[] selSeq, int[] selPos,
                       SeqConsumer consumer) {
        decoder.forward(rows, ids, pos, slot, sel, nSel, false);
        for (int h0 = 0; h0 < nSel; h0 += decoder.headChunk) {
            decoder.logits(h0, Math.min(decoder.headChunk, nSel - h0),
                    (thread, row, logits, off) -> consumer.accept(thread, selSeq[row], selPos[row], logits, off));
        }
    }
}
