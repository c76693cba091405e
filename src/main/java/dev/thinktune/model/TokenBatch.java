package dev.thinktune.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A padded batch of token sequences as the graph takes it: ids, attention mask (1 on real tokens) and position
 * ids, each {@code [B, T]} row-major. Position ids count from 0 at each row's first real token
 * ({@code cumsum(mask) - 1}, 0 on padding), as transformers' generate does for left padding.
 */
public record TokenBatch(int batch, int time, int[] ids, float[] mask, int[] positions) {

    public TokenBatch {
        if (ids.length != batch * time || mask.length != batch * time || positions.length != batch * time) {
            throw new IllegalArgumentException("arrays must hold batch*time = " + batch * time + " values");
        }
    }

    /** Sequences padded on the right with {@code padId} to the longest. */
    public static TokenBatch rightPadded(List<int[]> seqs, int padId) {
        return padded(seqs, padId, false);
    }

    /** Sequences padded on the left with {@code padId} to the longest (prompts for generation). */
    public static TokenBatch leftPadded(List<int[]> seqs, int padId) {
        return padded(seqs, padId, true);
    }

    private static TokenBatch padded(List<int[]> seqs, int padId, boolean left) {
        int b = seqs.size();
        int t = seqs.stream().mapToInt(s -> s.length).max().orElse(0);
        int[] ids = new int[b * t];
        float[] mask = new float[b * t];
        java.util.Arrays.fill(ids, padId);
        for (int i = 0; i < b; i++) {
            int[] s = seqs.get(i);
            int off = left ? t - s.length : 0;
            for (int j = 0; j < s.length; j++) {
                ids[i * t + off + j] = s[j];
                mask[i * t + off + j] = 1f;
            }
        }
        return new TokenBatch(b, t, ids, mask, positionsFromMask(b, t, mask));
    }

    /** A batch from given ids and mask, positions derived from the mask. */
    public static TokenBatch of(int batch, int time, int[] ids, float[] mask) {
        return new TokenBatch(batch, time, ids, mask, positionsFromMask(batch, time, mask));
    }

    public static int[] positionsFromMask(int b, int t, float[] mask) {
        int[] pos = new int[b * t];
        for (int i = 0; i < b; i++) {
            int c = 0;
            for (int j = 0; j < t; j++) {
                if (mask[i * t + j] != 0) {
                    pos[i * t + j] = c++;
                } else {
                    pos[i * t + j] = Math.max(c - 1, 0);
                }
            }
        }
        return pos;
    }

    public INDArray idsArray() {
        return Nd4j.createFromArray(ids).reshape(batch, time);
    }

    public INDArray maskArray() {
        return Nd4j.createFromArray(mask).reshape(batch, time);
    }

    public INDArray positionsArray() {
        return Nd4j.createFromArray(positions).reshape(batch, time);
    }

    /** Placeholder values for the student graph. */
    public java.util.Map<String, INDArray> placeholders() {
        java.util.Map<String, INDArray> m = new java.util.HashMap<>();
        m.put(LlamaGraph.INPUT_IDS, idsArray());
        m.put(LlamaGraph.ATTENTION_MASK, maskArray());
        m.put(LlamaGraph.POSITION_IDS, positionsArray());
        return m;
    }
}
