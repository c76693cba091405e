package dev.thinktune.model.ops;

import org.nd4j.imports.converters.ImportClassMapping;

import java.util.List;

/**
 * thinktune's Java ops, made known to SameDiff by name: it rebuilds a graph from its serialised form (to build the
 * gradient function, to load a saved graph) and finds each op's class by its name there.
 */
public final class JavaOps {
    private static volatile boolean registered;

    private JavaOps() {
    }

    /** Registers every Java op (idempotent). */
    public static synchronized void register() {
        if (registered) {
            return;
        }
        for (JavaOp op : List.of(new EmbeddingLookup(), new EmbeddingLookup.Grad(), new TokenLogprobs(),
                new TokenLogprobs.Grad(), new TokenLogprobs.HiddenGrad(), new Linear(), new Linear.Grad(),
                new Linear.WeightGrad(), new CausalAttention(), new CausalAttention.Grad(), new RmsNorm(),
                new RmsNorm.Grad(), new SwiGlu(), new SwiGlu.Grad(), new Rotary(), new Rotary.Grad(), new DecoderLayer(), new DecoderLayer.Grad())) {
            ImportClassMapping.getOpNameMapping().put(op.opName(), op);
        }
        registered = true;
    }
}
