package dev.thinktune.model.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole Llama decoder layer as one op whose gradient recomputes the layer (activation checkpointing):
 * <pre>
 * x1 = x + o_proj(attention(rope(q_proj(rms(x))), rope(k_proj(rms(x))), v_proj(rms(x))))
 * y  = x1 + down_proj(silu(gate_proj(rms(x1))) * up_proj(rms(x1)))
 * </pre>
 * computed by the same ops the op-by-op graph uses ({@link RmsNorm}, {@link Linear}, {@link Rotary},
 * {@link CausalAttention}, {@link SwiGlu}), in the same order, so the output is the same. The graph keeps only the
 * layer's input for the backward pass; {@link Grad} computes the layer's forward pass again and then each op's
 * gradient in reverse. A layer's activations (about 20 values a token per hidden unit) then live for one layer's
 * pass only, where the op-by-op graph keeps every layer's until its gradient has run: at SmolLM2-135M's depth
 * 2.6 MB a token against 70 KB, for one more forward pass of the layers.
 *
 * <p>Inputs: {@code x [N, D]}, the rotary tables {@code cos, sin [N, hd]}, {@code attention_mask [B, T]}, the
 * norms' epsilon and the query scale (scalars), then the weights in {@link #WEIGHTS}' order. The weights are the
 * graph's variables (full fine-tuning): every one gets a gradient.
 */
public final class DecoderLayer extends JavaOp {
    public static final String OP_NAME = "thinktune_decoder_layer";
    /** The layer's weights, named as in a Hugging Face checkpoint after {@code model.layers.<i>.}. */
    public static final List<String> WEIGHTS = List.of("input_layernorm.weight", "self_attn.q_proj.weight",
            "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");
    private static final int X = 0, COS = 1, SIN = 2, MASK = 3, EPS = 4, Q_SCALE = 5, FIRST_WEIGHT = 6;
    private static final int IN_NORM = 6, WQ = 7, WK = 8, WV = 9, WO = 10, POST_NORM = 11, WG = 12, WU = 13,
            WD = 14;

    private DecoderLayer(SameDiff sd, SDVariable[] args) {
        super(sd, args);
    }

    public DecoderLayer() {
    }

    /**
     * The layer's output {@code [N, D]}, named {@code name}.
     *
     * @param weights the layer's weights in {@link #WEIGHTS}' order
     */
    public static SDVariable apply(SameDiff sd, String name, SDVariable x, SDVariable cos, SDVariable sin,
                                   SDVariable mask, double eps, double queryScale, List<SDVariable> weights) {
        if (weights.size() != WEIGHTS.size()) {
            throw new IllegalArgumentException("a decoder layer takes " + WEIGHTS.size() + " weights, got "
                    + weights.size());
        }
        List<SDVariable> args = new ArrayList<>(List.of(x, cos, sin, mask,
                sd.constant(Nd4j.scalar((float) eps)), sd.constant(Nd4j.scalar((float) queryScale))));
        args.addAll(weights);
        return new DecoderLayer(sd, args.toArray(new SDVariable[0])).namedOutput(name);
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    protected List<long[]> outputShapes(List<INDArray> in) {
        return List.of(in.get(X).shape());
    }

    @Override
    protected void compute(List<INDArray> in, List<INDArray> out) {
        try (Activations a = Activations.forward(in)) {
            INDArray m = a.run(new Linear(), a.act, in.get(WD))[0];
            out.get(0).assign(a.x1).addi(m);
        }
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> grads) {
        SDVariable[] args = args();
        SDVariable[] gradArgs = new SDVariable[args.length + 1];
        System.arraycopy(args, 0, gradArgs, 0, args.length);
        gradArgs[args.length] = grads.get(0);
        SDVariable[] g = new Grad(sameDiff, gradArgs).outputVariables();
        List<SDVariable> out = new ArrayList<>(args.length);
        out.add(g[0]);
        for (int i = COS; i < FIRST_WEIGHT; i++) {
            out.add(sameDiff.zerosLike(args[i])); // tables, mask and scalars: no parameter behind them
        }
        for (int i = 1; i < g.length; i++) {
            out.add(g[i]);
        }
        return out;
    }

    /**
     * One pass of the layer up to the MLP's activation, keeping what the gradients need; closing it frees them.
     */
    private static final class Activations implements AutoCloseable {
        private final List<INDArray> owned = new ArrayList<>();
        final INDArray h, r1, q, k, v, vHeads, qRot, kRot, context, lse, x1, h2, r2, gate, up, act;

        private Activations(List<INDArray> in) {
            INDArray x = in.get(X), cos = in.get(COS), sin = in.get(SIN), eps = in.get(EPS);
            INDArray[] norm = run(new RmsNorm(), x, in.get(IN_NORM), eps);
            h = norm[0];
            r1 = norm[1];
            q = run(new Linear(), h, in.get(WQ))[0];
            k = run(new Linear(), h, in.get(WK))[0];
            v = run(new Linear(), h, in.get(WV))[0];
            qRot = run(new Rotary(), q, cos, sin, in.get(Q_SCALE))[0];
            kRot = run(new Rotary(), k, cos, sin, own(Nd4j.scalar(1f)))[0];
            vHeads = heads(v, cos);
            INDArray[] attention = run(new CausalAttention(), qRot, kRot, vHeads, in.get(MASK));
            context = attention[0];
            lse = attention[1];
            x1 = run(new Linear(), context, in.get(WO))[0].addi(x);
            INDArray[] norm2 = run(new RmsNorm(), x1, in.get(POST_NORM), eps);
            h2 = norm2[0];
            r2 = norm2[1];
            gate = run(new Linear(), h2, in.get(WG))[0];
            up = run(new Linear(), h2, in.get(WU))[0];
            act = run(new SwiGlu(), gate, up)[0];
        }

        static Activations forward(List<INDArray> in) {
            return new Activations(in);
        }

        /**
         * Runs {@code op} on {@code inputs} into new arrays this pass owns. They start zeroed, so that an element an
         * op leaves unwritten never carries what freed memory held (the head's {@code -inf} padding, say).
         */
        INDArray[] run(JavaOp op, INDArray... inputs) {
            List<INDArray> ins = List.of(inputs);
            List<INDArray> outs = new ArrayList<>();
            for (long[] shape : op.outputShapes(ins)) {
                outs.add(own(Nd4j.create(DataType.FLOAT, shape)));
            }
            op.compute(ins, outs);
            return outs.toArray(new INDArray[0]);
        }

        /** Runs {@code op} on {@code inputs} into {@code outputs} (arrays the caller owns). */
        static void runInto(JavaOp op, List<INDArray> outputs, INDArray... inputs) {
            op.compute(List.of(inputs), outputs);
        }

        INDArray own(INDArray a) {
            owned.add(a);
            return a;
        }

        /**
         * {@code v [N, KV * hd]} as {@code [N, KV, hd]} heads (hd from the rotary table), in an array of its own that
         * this pass owns: a reshaped view would be copied by the op that reads it into an array only its memory
         * view refers to, which the collector may free while the op still reads it.
         */
        INDArray heads(INDArray v, INDArray cos) {
            long hd = cos.size(1);
            return own(Nd4j.create(DataType.FLOAT, v.size(0), v.size(1) / hd, hd))
                    .assign(v.reshape('c', v.size(0), v.size(1) / hd, hd));
        }

        @Override
        public void close() {
            for (INDArray a : owned) {
                if (!a.wasClosed() && a.closeable()) {
                    a.close();
                }
            }
            owned.clear();
        }
    }

    /**
     * The layer's gradient: its forward pass again, then {@code dx} and every weight's gradient (outputs in
     * {@code x}, {@link #WEIGHTS}' order). Inputs: the layer's inputs, then {@code dy [N, D]}.
     */
    public static final class Grad extends JavaOp {
        public static final String OP_NAME = "thinktune_decoder_layer_bp";

        Grad(SameDiff sd, SDVariable[] args) {
            super(sd, args);
        }

        public Grad() {
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        public int getNumOutputs() {
            return 1 + WEIGHTS.size();
        }

        @Override
        protected List<long[]> outputShapes(List<INDArray> in) {
            List<long[]> shapes = new ArrayList<>();
            shapes.add(in.get(X).shape());
            for (int i = FIRST_WEIGHT; i < FIRST_WEIGHT + WEIGHTS.size(); i++) {
                shapes.add(GradientTargets.shape(arg(i), in.get(i).shape()));
            }
            return shapes;
        }

        @Override
        protected void compute(List<INDArray> in, List<INDArray> out) {
            INDArray x = in.get(X), cos = in.get(COS), sin = in.get(SIN), dy = in.get(FIRST_WEIGHT + WEIGHTS.size());
            try (Activations a = Activations.forward(in)) {
                // MLP: y = x1 + down(silu(gate) * up)
                INDArray dAct = a.run(new Linear.Grad(), in.get(WD), dy)[0];
                linearWeight(out, WD, a.act, dy);
                INDArray[] dGateUp = a.run(new SwiGlu.Grad(), a.gate, a.up, dAct);
                linearWeight(out, WG, a.h2, dGateUp[0]);
                linearWeight(out, WU, a.h2, dGateUp[1]);
                INDArray dh2 = a.run(new Linear.Grad(), in.get(WG), dGateUp[0])[0]
                        .addi(a.run(new Linear.Grad(), in.get(WU), dGateUp[1])[0]);
                INDArray dx1 = a.own(Nd4j.create(DataType.FLOAT, x.shape()));
                normGrad(a, in, out, POST_NORM, dx1, a.x1, a.r2, dh2);
                dx1.addi(dy);
                // attention: x1 = x + o(attention(rope(q), rope(k), v))
                INDArray dContext = a.run(new Linear.Grad(), in.get(WO), dx1)[0];
                linearWeight(out, WO, a.context, dx1);
                INDArray[] dQkv = a.run(new CausalAttention.Grad(), a.qRot, a.kRot, a.vHeads, in.get(MASK), a.context,
                        a.lse, dContext);
                INDArray dq = a.run(new Rotary.Grad(), a.q, cos, sin, in.get(Q_SCALE), dQkv[0])[0];
                INDArray dk = a.run(new Rotary.Grad(), a.k, cos, sin, a.own(Nd4j.scalar(1f)), dQkv[1])[0];
                INDArray dv = a.own(Nd4j.create(DataType.FLOAT, a.v.shape())).assign(dQkv[2].reshape('c', a.v.shape()));
                linearWeight(out, WQ, a.h, dq);
                linearWeight(out, WK, a.h, dk);
                linearWeight(out, WV, a.h, dv);
                INDArray dh = a.run(new Linear.Grad(), in.get(WQ), dq)[0]
                        .addi(a.run(new Linear.Grad(), in.get(WK), dk)[0])
                        .addi(a.run(new Linear.Grad(), in.get(WV), dv)[0]);
                INDArray dx = out.get(0);
                normGrad(a, in, out, IN_NORM, dx, x, a.r1, dh);
                dx.addi(dx1);
            }
        }

        /**
         * The gradient {@code dy^T x} of the projection weight at input index {@code input}: added into its
         * {@linkplain GradientTargets target} if it has one (its output then a zero), else written to its output.
         */
        private void linearWeight(List<INDArray> out, int input, INDArray x, INDArray dy) {
            INDArray target = GradientTargets.claim(arg(input));
            if (target == null) {
                Linear.WeightGrad.product(x, dy, weightGrad(out, input), 0.0);
            } else {
                Linear.WeightGrad.product(x, dy, target, 1.0);
                weightGrad(out, input).assign(0);
            }
        }

        /**
         * The gradient of the norm at input index {@code input} of {@code y = rms(x) * w}: {@code dx} into
         * {@code dx}, the weight's added into its {@linkplain GradientTargets target} if it has one (its output
         * then a zero), else written to its output.
         */
        private void normGrad(Activations a, List<INDArray> in, List<INDArray> out, int input, INDArray dx,
                              INDArray x, INDArray r, INDArray dy) {
            INDArray target = GradientTargets.claim(arg(input));
            INDArray dw = target == null ? weightGrad(out, input)
                    : a.own(Nd4j.create(DataType.FLOAT, in.get(input).shape()));
            Activations.runInto(new RmsNorm.Grad(), List.of(dx, dw), x, in.get(input), r, dy);
            if (target != null) {
                target.addi(dw);
                weightGrad(out, input).assign(0);
            }
        }

        /** The output array of the weight at input index {@code input}. */
        private static INDArray weightGrad(List<INDArray> out, int input) {
            return out.get(1 + input - FIRST_WEIGHT);
        }
    }
}
