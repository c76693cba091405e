package dev.thinktune.testing;

import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.Generator;
import dev.thinktune.rollout.TopLogprobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A generator that writes scripted token ids instead of sampling: each continuation is the script's ids for its
 * request (each with log-prob 0), cut after the first stop id (finish EOS) or at max_new_tokens (finish LENGTH).
 * Tokens reach the listener one by one, as a real generator's do. It records the requests it was given.
 */
public final class ScriptedGenerator implements Generator {
    private final Function<GenerationRequest, int[]> script;
    private final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();

    public ScriptedGenerator(Function<GenerationRequest, int[]> script) {
        this.script = script;
    }

    /** Every continuation is {@code ids}. */
    public static ScriptedGenerator replying(int... ids) {
        return new ScriptedGenerator(r -> ids);
    }

    public List<GenerationRequest> requests() {
        return requests;
    }

    @Override
    public synchronized List<List<Completion>> generate(List<GenerationRequest> batch, TokenListener listener) {
        List<List<Completion>> out = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            GenerationRequest req = batch.get(r);
            requests.add(req);
            List<Completion> completions = new ArrayList<>();
            for (int s = 0; s < req.n(); s++) {
                int[] ids = script.apply(req);
                int len = 0;
                FinishReason finish = FinishReason.LENGTH;
                while (len < ids.length && len < req.params().maxNewTokens()) {
                    listener.onToken(r, s, ids[len], 0f, TopLogprobs.NONE);
                    if (req.params().stopIds().contains(ids[len++])) {
                        finish = FinishReason.EOS;
                        break;
                    }
                }
                int[] kept = Arrays.copyOf(ids, len);
                completions.add(new Completion(kept, new float[len], finish, req.promptIds().length));
            }
            out.add(completions);
        }
        return out;
    }
}
