package dev.thinktune.rollout;

import dev.thinktune.model.StudentModel;
import dev.thinktune.model.TokenBatch;
import dev.thinktune.tokenizer.Tokenizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A generator that runs the student's SameDiff graph over every whole sequence for each new token: no key/value
 * cache, so its cost grows with the square of the length. It is exact (the training graph's own numbers) and
 * fine for tests and short replies on small models; the rollout engine is the fast path.
 *
 * <p>Sampling: temperature 0 is greedy (ties to the lowest id); otherwise the temperature-scaled softmax is cut
 * by top-k, then top-p, then min-p, and sampled with a {@link SplittableRandom} seeded from the request's seed
 * and the continuation's index, so a seed reproduces its tokens. Each token's log-prob is taken at
 * temperature 1 before any filtering. Stop strings are matched on the decoded text (special tokens skipped) and
 * need a tokenizer. Calls are serialised.
 */
public final class GraphGenerator implements Generator {

    private final StudentModel model;
    private final Tokenizer tokenizer;

    /**
     * @param model     the model to run
     * @param tokenizer decodes generated text for stop strings; null when no request uses them
     */
    public GraphGenerator(StudentModel model, Tokenizer tokenizer) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = tokenizer;
    }

    @Override
    public synchronized List<List<Completion>> generate(List<GenerationRequest> requests, TokenListener listener) {
        int vocab = model.config().vocabSize();
        int maxPositions = model.config().maxPositions();
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) {
            GenerationRequest req = requests.get(r);
            for (int id : req.promptIds()) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("request " + r + ": token id " + id
                            + " is outside the model's vocabulary (0.." + (vocab - 1) + ")");
                }
            }
            if (req.promptIds().length + req.params().maxNewTokens() > maxPositions) {
                throw new IllegalArgumentException("request " + r + ": prompt of " + req.promptIds().length
                        + " tokens + max_new_tokens " + req.params().maxNewTokens() + " exceeds the model's "
                        + maxPositions + " positions");
            }
            if (!req.params().stopStrings().isEmpty() && tokenizer == null) {
                throw new IllegalArgumentException("stop strings need a generator built with a tokenizer");
            }
            for (int s = 0; s < req.n(); s++) {
                rows.add(new Row(r, s, req, new SplittableRandom(continuationSeed(req.params().seed(), s)),
                        tokenizer == null ? null : tokenizer.streamingDecoder(true)));
            }
        }
        List<Row> active = new ArrayList<>(rows);
        while (!active.isEmpty()) {
            List<int[]> seqs = new ArrayList<>(active.size());
            for (Row row : active) {
                seqs.add(row.sequence());
            }
            TokenBatch batch = TokenBatch.leftPadded(seqs, 0);
            INDArray logits = model.logits(batch);
            List<Row> still = new ArrayList<>(active.size());
            for (int i = 0; i < active.size(); i++) {
                Row row = active.get(i);
                float[] last = logits.get(NDArrayIndex.point(i), NDArrayIndex.point(batch.time() - 1),
                        NDArrayIndex.all()).toFloatVector();
                int token = sample(last, row.req.params(), row.rng);
                row.add(token, logSoftmaxAt(last, token));
                listener.onToken(row.request, row.sample, token);
                if (!row.finished()) {
                    still.add(row);
                }
            }
            active = still;
        }
        List<List<Completion>> out = new ArrayList<>(requests.size());
        for (GenerationRequest req : requests) {
            out.add(new ArrayList<>(req.n()));
        }
        for (Row row : rows) {
            out.get(row.request).add(row.completion());
        }
        return out;
    }

    /** The sampler seed of continuation {@code index} of a request seeded {@code seed}. */
    static long continuationSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static int sample(float[] logits, SamplingParams p, SplittableRandom rng) {
        if (p.temperature() == 0) {
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] prob = new double[logits.length];
        double sum = 0;
        for (int v = 0; v < logits.length; v++) {
            prob[v] = Math.exp((logits[v] - max) / p.temperature());
            sum += prob[v];
        }
        Integer[] order = new Integer[logits.length];
        for (int v = 0; v < order.length; v++) {
            order[v] = v;
            prob[v] /= sum;
        }
        Arrays.sort(order, (a, b) -> prob[a] != prob[b] ? Double.compare(prob[b], prob[a]) : Integer.compare(a, b));
        int keep = order.length;
        if (p.topK() > 0) {
            keep = Math.min(keep, p.topK());
        }
        if (p.topP() < 1) {
            double mass = 0;
            for (int k = 0; k < keep; k++) {
                mass += prob[order[k]];
                if (mass >= p.topP()) {
                    keep = k + 1;
                    break;
                }
            }
        }
        if (p.minP() > 0) {
            double floor = p.minP() * prob[order[0]];
            int k = 1;
            while (k < keep && prob[order[k]] >= floor) {
                k++;
            }
            keep = k;
        }
        double total = 0;
        for (int k = 0; k < keep; k++) {
            total += prob[order[k]];
        }
        double u = rng.nextDouble() * total;
        for (int k = 0; k < keep; k++) {
            u -= prob[order[k]];
            if (u < 0) {
                return order[k];
            }
        }
        return order[keep - 1];
    }

    static float logSoftmaxAt(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return (float) (logits[token] - max - Math.log(sum));
    }

    /** One continuation being generated. */
    private static final class Row {
        final int request;
        final int sample;
        final GenerationRequest req;
        final SplittableRandom rng;
        final Tokenizer.StreamingDecoder decoder;
        final StringBuilder text = new StringBuilder();
        int[] ids = new int[0];
        float[] logprobs = new float[0];
        FinishReason finish;

        Row(int request, int sample, GenerationRequest req, SplittableRandom rng, Tokenizer.StreamingDecoder decoder) {
            this.request = request;
            this.sample = sample;
            this.req = req;
            this.rng = rng;
            this.decoder = decoder;
        }

        int[] sequence() {
            int[] prompt = req.promptIds();
            int[] seq = Arrays.copyOf(prompt, prompt.length + ids.length);
            System.arraycopy(ids, 0, seq, prompt.length, ids.length);
            return seq;
        }

        void add(int token, float logprob) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = token;
            logprobs = Arrays.copyOf(logprobs, logprobs.length + 1);
            logprobs[logprobs.length - 1] = logprob;
            SamplingParams p = req.params();
            if (p.stopIds().contains(token)) {
                finish = FinishReason.EOS;
                return;
            }
            if (!p.stopStrings().isEmpty()) {
                int before = text.length();
                text.append(decoder.next(token));
                for (String stop : p.stopStrings()) {
                    if (!stop.isEmpty() && text.indexOf(stop, Math.max(0, before - stop.length() + 1)) >= 0) {
                        finish = FinishReason.STOP;
                        return;
                    }
                }
            }
            if (ids.length >= p.maxNewTokens()) {
                finish = FinishReason.LENGTH;
            }
        }

        boolean finished() {
            return finish != null;
        }

        Completion completion() {
            return new Completion(ids, logprobs, finish, req.promptIds().length);
        }
    }
}
