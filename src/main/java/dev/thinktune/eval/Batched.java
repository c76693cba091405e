package dev.thinktune.eval;

import dev.thinktune.rollout.Completion;
import dev.thinktune.rollout.FinishReason;
import dev.thinktune.rollout.GenerationRequest;
import dev.thinktune.rollout.SamplingParams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One continuation per prompt, {@link EvalContext#batchSize()} prompts per {@code generate} call. A prompt's token
 * limit is shortened so prompt and continuation fit the generator's sequence length; a prompt with no room left
 * gets an empty continuation (finish {@code LENGTH}) without a call.
 */
final class Batched {
    private Batched() {
    }

    static List<Completion> generate(EvalContext ctx, List<int[]> prompts, List<SamplingParams> params) {
        if (prompts.size() != params.size()) {
            throw new IllegalArgumentException("one sampling setting per prompt");
        }
        Completion[] out = new Completion[prompts.size()];
        List<Integer> pending = new ArrayList<>();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = prompts.get(i);
            SamplingParams p = params.get(i);
            int room = ctx.maxSequenceLength() == 0 ? p.maxNewTokens()
                    : Math.min(p.maxNewTokens(), ctx.maxSequenceLength() - prompt.length);
            if (room <= 0) {
                out[i] = new Completion(new int[0], new float[0], FinishReason.LENGTH, prompt.length);
                continue;
            }
            pending.add(i);
            requests.add(new GenerationRequest(prompt, 1, room == p.maxNewTokens() ? p : p.withMaxNewTokens(room)));
            if (requests.size() == ctx.batchSize()) {
                flush(ctx, pending, requests, out);
            }
        }
        flush(ctx, pending, requests, out);
        return Arrays.asList(out);
    }

    private static void flush(EvalContext ctx, List<Integer> pending, List<GenerationRequest> requests,
                              Completion[] out) {
        if (requests.isEmpty()) {
            return;
        }
        List<List<Completion>> got = ctx.generator().generate(requests);
        for (int j = 0; j < requests.size(); j++) {
            out[pending.get(j)] = got.get(j).get(0);
        }
        pending.clear();
        requests.clear();
    }

    /** The ids of {@code c} without a final stop id. */
    static int[] withoutStop(Completion c) {
        int[] ids = c.tokenIds();
        return c.endedWithEos() ? Arrays.copyOf(ids, ids.length - 1) : ids;
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] all = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
