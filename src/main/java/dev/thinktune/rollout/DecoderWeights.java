package dev.thinktune.rollout;

import dev.thinktune.model.LlamaConfig;
import dev.thinktune.model.ModelWeights;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

import java.nio.FloatBuffer;

/**
 * The decoder's copy of a student's weights, packed for {@link PackedMatrix}'s kernel. Per layer the query, key
 * and value projections are one matrix ({@code [H*hd + 2*KV*hd, D]}: one pass over the activations), and the
 * gate and up projections are one matrix whose panels alternate gate, up, gate, up over the same columns, so the
 * thread that computes a gate panel also has its up panel and applies SwiGLU at once.
 *
 * <p>{@link #load} reads every {@code INDArray} straight from its off-heap buffer into these arrays: one pass,
 * no intermediate copy of a tensor (a row at a time goes through a small scratch array).
 */
final class DecoderWeights {
    final LlamaConfig cfg;
    final float[][] attnNorm;
    final float[][] mlpNorm;
    final PackedMatrix[] qkv;
    final PackedMatrix[] o;
    final PackedMatrix[] gateUp;
    final PackedMatrix[] down;
    final float[] finalNorm;
    final PackedMatrix head;
    /** Row-major embedding [V, D] when the head is separate; null when tied (looked up in {@link #head}). */
    final float[] embed;

    DecoderWeights(LlamaConfig cfg) {
        this.cfg = cfg;
        int n = cfg.numLayers(), d = cfg.hiddenSize(), hd = cfg.headDim();
        int qDim = cfg.numHeads() * hd, kvDim = cfg.numKvHeads() * hd, f = cfg.intermediateSize();
        attnNorm = new float[n][d];
        mlpNorm = new float[n][d];
        qkv = new PackedMatrix[n];
        o = new PackedMatrix[n];
        gateUp = new PackedMatrix[n];
        down = new PackedMatrix[n];
        for (int l = 0; l < n; l++) {
            qkv[l] = new PackedMatrix(qDim + 2 * kvDim, d);
            o[l] = new PackedMatrix(d, qDim);
            gateUp[l] = new PackedMatrix(2 * PackedMatrix.padded(f), d);
            down[l] = new PackedMatrix(d, f);
        }
        finalNorm = new float[d];
        head = new PackedMatrix(cfg.vocabSize(), d);
        embed = cfg.tieWordEmbeddings() ? null : new float[Math.multiplyExact(cfg.vocabSize(), d)];
    }

    /** Output row of gate row {@code j} (or up row when {@code up}) in the interleaved gate/up matrix. */
    static int gateUpRow(int j, boolean up) {
        int nr = PackedMatrix.NR;
        return (j / nr) * 2 * nr + (up ? nr : 0) + j % nr;
    }

    /** Copies {@code w}'s tensors into this decoder's arrays (same config). */
    void load(ModelWeights w, Team team) {
        int n = cfg.numLayers(), hd = cfg.headDim();
        int qDim = cfg.numHeads() * hd, kvDim = cfg.numKvHeads() * hd;
        // one job per packed matrix and per small vector; the team takes them in turn
        java.util.List<Runnable> jobs = new java.util.ArrayList<>();
        for (int l = 0; l < n; l++) {
            String p = "model.layers." + l + ".";
            int layer = l;
            jobs.add(() -> copy(w.get(p + "input_layernorm.weight"), attnNorm[layer]));
            jobs.add(() -> copy(w.get(p + "post_attention_layernorm.weight"), mlpNorm[layer]));
            jobs.add(() -> {
                pack(qkv[layer], w.get(p + "self_attn.q_proj.weight"), r -> r);
                pack(qkv[layer], w.get(p + "self_attn.k_proj.weight"), r -> qDim + r);
                pack(qkv[layer], w.get(p + "self_attn.v_proj.weight"), r -> qDim + kvDim + r);
            });
            jobs.add(() -> pack(o[layer], w.get(p + "self_attn.o_proj.weight"), r -> r));
            jobs.add(() -> {
                pack(gateUp[layer], w.get(p + "mlp.gate_proj.weight"), r -> gateUpRow(r, false));
                pack(gateUp[layer], w.get(p + "mlp.up_proj.weight"), r -> gateUpRow(r, true));
            });
            jobs.add(() -> pack(down[layer], w.get(p + "mlp.down_proj.weight"), r -> r));
        }
        jobs.add(() -> copy(w.get("model.norm.weight"), finalNorm));
        jobs.add(() -> pack(head, w.lmHead(), r -> r));
        if (embed != null) {
            jobs.add(() -> copy(w.get("model.embed_tokens.weight"), embed));
        }
        // largest first, so the last job does not leave one thread working alone
        jobs.add(0, jobs.remove(jobs.size() - (embed != null ? 2 : 1)));
        team.run(m -> {
            for (int j = m.claim(1); j < jobs.size(); j = m.claim(1)) {
                jobs.get(j).run();
            }
        });
    }

    /** Row {@code token} of the embedding into {@code dst[off..off+D)}. */
    void embedding(int token, float[] dst, int off) {
        int d = cfg.hiddenSize();
        if (embed != null) {
            System.arraycopy(embed, token * d, dst, off, d);
        } else {
            head.copyRow(token, dst, off);
        }
    }

    private static void pack(PackedMatrix dst, INDArray src, java.util.function.IntUnaryOperator rowMap) {
        FloatBuffer buf = view(src);
        long base = src.offset();
        int rows = (int) src.size(0);
        float[] scratch = new float[dst.in];
        for (int r = 0; r < rows; r++) {
            dst.putRow(rowMap.applyAsInt(r), buf, base, r, scratch);
        }
    }

    private static void copy(INDArray src, float[] dst) {
        if (src.length() != dst.length) {
            throw new IllegalArgumentException("tensor has " + src.length() + " values, expected " + dst.length);
        }
        view(src).get(Math.toIntExact(src.offset()), dst, 0, dst.length);
    }

    /** The float buffer under {@code a} (no copy); {@code a} must be float32, c-ordered and contiguous. */
    private static FloatBuffer view(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c'
                || !Shape.hasDefaultStridesForShape(a)) {
            throw new IllegalArgumentException("weights must be float32 c-ordered contiguous arrays, got "
                    + a.dataType() + " " + a.ordering() + " " + a.shapeInfoToString());
        }
        return a.data().asNioFloat();
    }
}
