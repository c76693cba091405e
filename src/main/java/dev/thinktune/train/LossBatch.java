package dev.thinktune.train;

import dev.thinktune.model.LlamaGraph;
import dev.thinktune.model.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Placeholder arrays of the loss graph for a micro-batch of samples: right-padded to a length rounded up to a
 * multiple of {@value #BUCKET} (so recurring shapes reuse SameDiff's cached arrays), with the response and
 * teacher masks in the next-token view (position t predicts id t+1).
 */
public final class LossBatch {
    static final int BUCKET = 16;

    private LossBatch() {
    }

    /**
     * @param samples      the micro-batch
     * @param numSequences sequences of the whole update (sequence-mean divides by it)
     * @param numTokens    response tokens of the whole update (token-mean divides by it)
     * @param advMin       the advantage mapped to c2
     * @param advMax       the advantage mapped to c1
     */
    public static Map<String, INDArray> placeholders(List<TrainingSample> samples, int numSequences, int numTokens,
                                                     double advMin, double advMax) {
        int b = samples.size();
        int longest = samples.stream().mapToInt(s -> s.ids().length).max().orElse(1);
        int t = (longest + BUCKET - 1) / BUCKET * BUCKET;
        int l = t - 1;
        int[] ids = new int[b * t];
        float[] attn = new float[b * t];
        float[] m = new float[b * l];
        float[] h = new float[b * l];
        float[] old = new float[b * l];
        float[] ref = new float[b * l];
        float[] adv = new float[b];
        for (int i = 0; i < b; i++) {
            TrainingSample s = samples.get(i);
            int n = s.ids().length;
            for (int j = 0; j < n; j++) {
                ids[i * t + j] = s.ids()[j];
                attn[i * t + j] = 1f;
            }
            for (int r = 0; r < s.responseLength(); r++) {
                int pos = s.promptLength() + r - 1; // predicts response token r
                m[i * l + pos] = 1f;
                h[i * l + pos] = s.teacherMask()[r] ? 1f : 0f;
            }
            if (s.oldLogprobs() != null) {
                System.arraycopy(s.oldLogprobs(), 0, old, i * l, n - 1);
            }
            if (s.refLogprobs() != null) {
                System.arraycopy(s.refLogprobs(), 0, ref, i * l, n - 1);
            }
            adv[i] = (float) s.advantage();
        }
        Map<String, INDArray> ph = new HashMap<>(TokenBatch.of(b, t, ids, attn).placeholders());
        ph.put(ThinkTuningLoss.RESPONSE_MASK, Nd4j.createFromArray(m).reshape(b, l));
        ph.put(ThinkTuningLoss.TEACHER_MASK, Nd4j.createFromArray(h).reshape(b, l));
        ph.put(ThinkTuningLoss.OLD_LOGPROBS, Nd4j.createFromArray(old).reshape(b, l));
        ph.put(ThinkTuningLoss.REF_LOGPROBS, Nd4j.createFromArray(ref).reshape(b, l));
        ph.put(ThinkTuningLoss.ADVANTAGES, Nd4j.createFromArray(adv));
        ph.put(ThinkTuningLoss.ADV_MIN, Nd4j.scalar((float) advMin));
        ph.put(ThinkTuningLoss.ADV_MAX, Nd4j.scalar((float) advMax));
        ph.put(ThinkTuningLoss.NUM_SEQUENCES, Nd4j.scalar((float) numSequences));
        ph.put(ThinkTuningLoss.NUM_TOKENS, Nd4j.scalar((float) Math.max(numTokens, 1)));
        assert ph.containsKey(LlamaGraph.INPUT_IDS);
        return ph;
    }
}
