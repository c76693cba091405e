package dev.thinktune.rollout;

import dev.thinktune.model.LlamaConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The decoder's copy of a student's weights, packed for {@link PackedMatrix}'s kernel. Per layer the query, key
 * and value projections are one matrix ({@code [H*hd + 2*KV*hd, D]}: one pass over the activations), and the
 * gate and up projections are one matrix whose panels alternate gate, up, gate, up over the same columns, so the
 * thread that computes a gate panel also has its up panel and applies SwiGLU at once.
 *
 * <p>Each packed matrix keeps the precision its tensors come in: {@link Bf16Matrix} when all of them are stored
 * as bfloat16 (a checkpoint read with {@link WeightSource#checkpoint}), {@link F32Matrix} otherwise (the
 * trainer's float32 arrays, float32 or half checkpoints). {@link #load} fills the panels one at a time from
 * runs of source rows read into a per-thread scratch panel, so no tensor is ever copied whole.
 */
final class DecoderWeights {
    /** Panels per load job: large matrices (the head) are shared out over the team in pieces. */
    private static final int PANELS_PER_JOB = 64;

    final LlamaConfig cfg;
    final float[][] attnNorm;
    final float[][] mlpNorm;
    final PackedMatrix[] qkv;
    /**
     * Per layer the q, k and v biases laid out as {@link #qkv}'s output rows ({@code [paddedOut]}, zero padding),
     * added in float32 after the product; null when the architecture has no such bias (Llama).
     */
    final float[][] qkvBias;
    /** Per layer the query and key heads' RMSNorm weights ({@code [head_dim]}, Qwen3); null when there are none. */
    final float[][] qNorm;
    final float[][] kNorm;
    final PackedMatrix[] o;
    final PackedMatrix[] gateUp;
    final PackedMatrix[] down;
    final float[] finalNorm;
    final PackedMatrix head;
    /** The embedding when the head is separate (rows looked up, never multiplied); null when tied to the head. */
    final PackedMatrix embed;
    /** Where each packed matrix's rows come from, in the order above (head, then embed). */
    private final List<Layout> layouts = new ArrayList<>();

    /** Output row {@code row} of a packed matrix is row {@code row} of tensor {@code tensor}. */
    record SourceRow(String tensor, int row) {
    }

    /** Maps a packed matrix's output rows to source rows (null for padding). */
    @FunctionalInterface
    private interface RowMap {
        SourceRow at(int outRow);
    }

    /** A packed matrix and where its rows come from. */
    private record Layout(PackedMatrix matrix, List<String> tensors, RowMap rows) {
    }

    /** Sizes the matrices for {@code source}'s config, each in its tensors' precision; call {@link #load} next. */
    DecoderWeights(WeightSource source) {
        this.cfg = source.config();
        int n = cfg.numLayers(), d = cfg.hiddenSize(), hd = cfg.headDim();
        int qDim = cfg.numHeads() * hd, kvDim = cfg.numKvHeads() * hd, f = cfg.intermediateSize();
        attnNorm = new float[n][d];
        mlpNorm = new float[n][d];
        qkv = new PackedMatrix[n];
        o = new PackedMatrix[n];
        gateUp = new PackedMatrix[n];
        down = new PackedMatrix[n];
        for (int l = 0; l < n; l++) {
            String p = "model.layers." + l + ".";
            String q = p + "self_attn.q_proj.weight", k = p + "self_attn.k_proj.weight",
                    v = p + "self_attn.v_proj.weight";
            qkv[l] = add(source, qDim + 2 * kvDim, d, List.of(q, k, v), r -> r < qDim ? new SourceRow(q, r)
                    : r < qDim + kvDim ? new SourceRow(k, r - qDim) : new SourceRow(v, r - qDim - kvDim));
            o[l] = add(source, d, qDim, p + "self_attn.o_proj.weight");
            String gate = p + "mlp.gate_proj.weight", up = p + "mlp.up_proj.weight";
            gateUp[l] = add(source, 2 * PackedMatrix.padded(f), d, List.of(gate, up), r -> {
                int panel = r / PackedMatrix.NR;
                int j = panel / 2 * PackedMatrix.NR + r % PackedMatrix.NR;
                return j >= f ? null : new SourceRow(panel % 2 == 0 ? gate : up, j);
            });
            down[l] = add(source, d, f, p + "mlp.down_proj.weight");
        }
        qkvBias = cfg.architecture().blocks().qkvBias() ? new float[n][qkv[0].paddedOut()] : null;
        qNorm = cfg.architecture().blocks().qkNorm() ? new float[n][hd] : null;
        kNorm = cfg.architecture().blocks().qkNorm() ? new float[n][hd] : null;
        finalNorm = new float[d];
        String embedName = "model.embed_tokens.weight";
        head = add(source, cfg.vocabSize(), d, cfg.tieWordEmbeddings() ? embedName : "lm_head.weight");
        embed = cfg.tieWordEmbeddings() ? null : add(source, cfg.vocabSize(), d, embedName);
    }

    private PackedMatrix add(WeightSource source, int out, int in, String tensor) {
        return add(source, out, in, List.of(tensor), r -> new SourceRow(tensor, r));
    }

    private PackedMatrix add(WeightSource source, int out, int in, List<String> tensors, RowMap rows) {
        boolean bf16 = tensors.stream().allMatch(source::isBf16);
        PackedMatrix m = bf16 ? new Bf16Matrix(out, in) : new F32Matrix(out, in);
        layouts.add(new Layout(m, tensors, rows));
        return m;
    }

    /** The tensors whose rows {@code m} (one of this decoder's matrices) holds, in their packing order. */
    List<String> tensors(PackedMatrix m) {
        return layout(m).tensors();
    }

    /** Where output row {@code outRow} of {@code m} comes from; null for a padding row. */
    SourceRow source(PackedMatrix m, int outRow) {
        return outRow < m.out ? layout(m).rows().at(outRow) : null;
    }

    private Layout layout(PackedMatrix m) {
        for (Layout l : layouts) {
            if (l.matrix() == m) {
                return l;
            }
        }
        throw new IllegalArgumentException("not a matrix of these weights");
    }

    /** Output row of gate row {@code j} (or up row when {@code up}) in the interleaved gate/up matrix. */
    static int gateUpRow(int j, boolean up) {
        int nr = PackedMatrix.NR;
        return (j / nr) * 2 * nr + (up ? nr : 0) + j % nr;
    }

    /** Whether every packed matrix holds float32 weights (so float32 weights can be loaded again). */
    boolean isFloat32() {
        return layouts.stream().allMatch(l -> l.matrix() instanceof F32Matrix);
    }

    /** Bytes of packed weights one forward streams (every projection and the head; not the embedding). */
    long streamedBytes() {
        long sum = 0;
        for (Layout l : layouts) {
            sum += l.matrix() == embed ? 0 : l.matrix().bytes();
        }
        return sum;
    }

    /** Bytes of every weight this decoder holds (packed matrices, the separate embedding, the norms). */
    long heldBytes() {
        long norms = 4L * cfg.hiddenSize() * (2L * cfg.numLayers() + 1);
        long biases = qkvBias == null ? 0 : 4L * qkvBias.length * qkvBias[0].length;
        return biases + layouts.stream().mapToLong(l -> l.matrix().bytes()).sum() + norms;
    }

    /**
     * Copies {@code source}'s tensors (same config) into this decoder's matrices, the team sharing the work: one
     * job per norm vector and per {@value #PANELS_PER_JOB} panels of a matrix, largest matrices first.
     */
    void load(WeightSource source, Team team) {
        if (!source.config().equals(cfg)) {
            throw new IllegalArgumentException("weights of another architecture: " + source.config());
        }
        List<Consumer<Scratch>> jobs = new ArrayList<>();
        List<Layout> bySize = new ArrayList<>(layouts);
        bySize.sort((a, b) -> Long.compare(b.matrix().bytes(), a.matrix().bytes()));
        for (Layout l : bySize) {
            for (int p0 = 0; p0 < l.matrix().panels; p0 += PANELS_PER_JOB) {
                int from = p0, to = Math.min(l.matrix().panels, p0 + PANELS_PER_JOB);
                jobs.add(s -> fill(l, from, to, source, s));
            }
        }
        for (int l = 0; l < cfg.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            int layer = l;
            jobs.add(s -> source.floats(p + "input_layernorm.weight", 0, 1, attnNorm[layer], 0));
            jobs.add(s -> source.floats(p + "post_attention_layernorm.weight", 0, 1, mlpNorm[layer], 0));
            if (qNorm != null) {
                jobs.add(s -> source.floats(p + "self_attn.q_norm.weight", 0, 1, qNorm[layer], 0));
                jobs.add(s -> source.floats(p + "self_attn.k_norm.weight", 0, 1, kNorm[layer], 0));
            }
            if (qkvBias != null) {
                int qDim = cfg.numHeads() * cfg.headDim(), kvDim = cfg.numKvHeads() * cfg.headDim();
                jobs.add(s -> {
                    source.floats(p + "self_attn.q_proj.bias", 0, 1, qkvBias[layer], 0);
                    source.floats(p + "self_attn.k_proj.bias", 0, 1, qkvBias[layer], qDim);
                    source.floats(p + "self_attn.v_proj.bias", 0, 1, qkvBias[layer], qDim + kvDim);
                });
            }
        }
        jobs.add(s -> source.floats("model.norm.weight", 0, 1, finalNorm, 0));
        int maxIn = Math.max(cfg.hiddenSize(), Math.max(cfg.numHeads() * cfg.headDim(), cfg.intermediateSize()));
        Scratch[] scratch = new Scratch[team.size()];
        team.run(m -> {
            for (int j = m.claim(1); j < jobs.size(); j = m.claim(1)) {
                if (scratch[m.index] == null) {
                    scratch[m.index] = new Scratch(maxIn);
                }
                jobs.get(j).accept(scratch[m.index]);
            }
        });
    }

    /** One thread's panel of source rows, as floats or as bfloat16 bits. */
    private static final class Scratch {
        final float[] floats;
        final short[] bits;

        Scratch(int maxIn) {
            floats = new float[PackedMatrix.NR * maxIn];
            bits = new short[PackedMatrix.NR * maxIn];
        }
    }

    /** Panels {@code [from, to)} of {@code l}'s matrix from {@code source}. */
    private static void fill(Layout l, int from, int to, WeightSource source, Scratch s) {
        PackedMatrix m = l.matrix();
        boolean bf16 = m instanceof Bf16Matrix;
        int nr = PackedMatrix.NR, in = m.in;
        for (int p = from; p < to; p++) {
            int w = 0;
            while (w < nr) {
                int outRow = p * nr + w;
                SourceRow first = outRow < m.out ? l.rows().at(outRow) : null;
                if (first == null) {
                    if (bf16) {
                        Arrays.fill(s.bits, w * in, (w + 1) * in, (short) 0);
                    } else {
                        Arrays.fill(s.floats, w * in, (w + 1) * in, 0f);
                    }
                    w++;
                    continue;
                }
                // the longest run of consecutive rows of one tensor: one read
                int run = 1;
                while (w + run < nr && p * nr + w + run < m.out) {
                    SourceRow next = l.rows().at(p * nr + w + run);
                    if (next == null || !next.tensor().equals(first.tensor()) || next.row() != first.row() + run) {
                        break;
                    }
                    run++;
                }
                if (bf16) {
                    source.bf16(first.tensor(), first.row(), run, s.bits, w * in);
                } else {
                    source.floats(first.tensor(), first.row(), run, s.floats, w * in);
                }
                w += run;
            }
            if (bf16) {
                ((Bf16Matrix) m).putPanel(p, s.bits);
            } else {
                m.putPanel(p, s.floats);
            }
        }
    }

    /** Row {@code token} of the embedding into {@code dst[off..off+D)}. */
    void embedding(int token, float[] dst, int off) {
        (embed != null ? embed : head).copyRow(token, dst, off);
    }
}
