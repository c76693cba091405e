package dev.thinktune.rollout;

import dev.thinktune.lora.LoraAdapters;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The decoder's copy of a student's low-rank adapters, one {@link LowRankUpdate} per packed projection of
 * {@link DecoderWeights} (null where none of its modules is adapted). Small beside the base weights (float32
 * {@code r * (in + out)} values per module), so {@link #load} copies all of them again after every optimizer
 * update while the base weights stay as they were packed.
 */
final class AdapterWeights {
    final LoraAdapters adapters;
    final LowRankUpdate[] qkv;
    final LowRankUpdate[] o;
    final LowRankUpdate[] gateUp;
    final LowRankUpdate[] down;
    private final List<LowRankUpdate> all = new ArrayList<>();
    /** The widest row of u any update writes. */
    final int maxLdU;

    /** Sizes the updates of {@code adapters} on {@code weights}; call {@link #load} next. */
    AdapterWeights(DecoderWeights weights, LoraAdapters adapters) {
        if (!adapters.modelConfig().equals(weights.cfg)) {
            throw new IllegalArgumentException("the adapters are for another architecture ("
                    + adapters.modelConfig() + ") than the model (" + weights.cfg + ")");
        }
        this.adapters = adapters;
        int n = weights.cfg.numLayers();
        qkv = new LowRankUpdate[n];
        o = new LowRankUpdate[n];
        gateUp = new LowRankUpdate[n];
        down = new LowRankUpdate[n];
        for (int l = 0; l < n; l++) {
            qkv[l] = add(LowRankUpdate.of(weights, weights.qkv[l], adapters));
            o[l] = add(LowRankUpdate.of(weights, weights.o[l], adapters));
            gateUp[l] = add(LowRankUpdate.of(weights, weights.gateUp[l], adapters));
            down[l] = add(LowRankUpdate.of(weights, weights.down[l], adapters));
        }
        int count = (int) all.stream().mapToLong(u -> u.modules.size()).sum();
        if (count != LoraAdapters.modules(adapters.config(), adapters.modelConfig()).size()) {
            throw new IllegalStateException("adapted " + count + " modules, the adapters have "
                    + LoraAdapters.modules(adapters.config(), adapters.modelConfig()).size());
        }
        maxLdU = all.stream().mapToInt(u -> u.ldU).max().orElse(0);
    }

    private LowRankUpdate add(LowRankUpdate u) {
        if (u != null) {
            all.add(u);
        }
        return u;
    }

    /** Bytes of adapter weights one forward streams. */
    long bytes() {
        return all.stream().mapToLong(LowRankUpdate::bytes).sum();
    }

    /** Copies the adapters' current values (their float32 arrays) into the updates, the team sharing the work. */
    void load(Team team) {
        WeightSource source = WeightSource.of(adapters.modelConfig(),
                name -> Objects.requireNonNull(adapters.tensors().get(name), name));
        int scratchFloats = all.stream().mapToInt(LowRankUpdate::scratchFloats).max().orElse(0);
        float[][] scratch = new float[team.size()][];
        team.run(m -> {
            for (int j = m.claim(1); j < all.size(); j = m.claim(1)) {
                if (scratch[m.index] == null) {
                    scratch[m.index] = new float[scratchFloats];
                }
                all.get(j).load(source, scratch[m.index]);
            }
        });
    }
}
