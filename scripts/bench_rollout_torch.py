#!/usr/bin/env python3
"""The rollout benchmark's workload in PyTorch on the CPU, as the reference point for thinktune's Java decoder.

The same Llama architecture as thinktune's student (torch_llama.py: RMSNorm, rotary embeddings, grouped-query
attention with a key/value cache, SwiGLU), with a separate or tied LM head (the sizes of thinktune's BenchSize);
float32, eager, random weights (normal(0, 0.02)). It generates `--new` tokens for `--batch` random
prompts of `--prompt` tokens (one prefill, then one token per step for every sequence, never stopping early),
sampling at temperature 1 and computing each token's log-probability from the full log-softmax, as the Java
engine does. Prints one JSON object per line:
  {"bench": "rollout", "size": ..., "batch": ..., "mode": "torch", "tokens_per_s": ..., "seconds": ..., ...}
Usage: OMP_WAIT_POLICY=PASSIVE bench_rollout_torch.py --size small --batch 8 [--prompt 32 --new 64 --threads 2]
(thinktune bench rollout runs it so; OpenMP's default spinning was 7 times slower on a busy 2-core machine.)
"""
import argparse
import json
import time

import torch

from torch_llama import Llama, peak_rss_mb

SIZES = {
    # vocab, hidden, layers, heads, kv heads, ffn[, rope theta, eps, tied head]
    "tiny": (512, 128, 4, 4, 2, 384),
    "small": (4096, 512, 8, 8, 4, 1408),
    # HuggingFaceTB/SmolLM2-135M's published config (thinktune's BenchSize smollm2-135m)
    "smollm2-135m": (49152, 576, 30, 9, 3, 1536, 100000.0, 1e-5, True),
}


def config(size):
    """The size's config.json fields (by default rope theta 10,000, RMSNorm eps 1e-5, a separate head)."""
    v, d, layers, heads, kv, ffn, *rest = SIZES[size]
    theta, eps, tied = rest if rest else (10000.0, 1e-5, False)
    return {"vocab_size": v, "hidden_size": d, "num_hidden_layers": layers, "num_attention_heads": heads,
            "num_key_value_heads": kv, "intermediate_size": ffn, "rope_theta": theta, "rms_norm_eps": eps,
            "tie_word_embeddings": tied}


def generate(model, prompts, new_tokens, gen):
    b, p = prompts.shape
    cache = [(torch.zeros(b, model.kv_heads, p + new_tokens, model.hd),
              torch.zeros(b, model.kv_heads, p + new_tokens, model.hd)) for _ in model.layers]
    logits = model(prompts, 0, cache, last_only=True)
    out, lps = [], []
    for step in range(new_tokens):
        logp = torch.log_softmax(logits, -1)
        tok = torch.multinomial(logp.exp(), 1, generator=gen)
        out.append(tok)
        lps.append(logp.gather(-1, tok))
        if step + 1 < new_tokens:
            logits = model(tok, p + step, cache, last_only=True)
    return torch.cat(out, 1), torch.cat(lps, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=sorted(SIZES), action="append")
    ap.add_argument("--batch", type=int, action="append")
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    for size in a.size or ["tiny", "small"]:
        model = Llama(config(size)).eval()
        for batch in a.batch or [8, 64]:
            gen = torch.Generator().manual_seed(a.seed)
            prompts = torch.randint(0, SIZES[size][0], (batch, a.prompt), generator=gen)
            times = []
            with torch.inference_mode():
                generate(model, prompts, min(a.new, 4), gen)  # warm-up
                for _ in range(a.repeats):
                    t0 = time.perf_counter()
                    generate(model, prompts, a.new, gen)
                    times.append(time.perf_counter() - t0)
            best = min(times)
            print(json.dumps({
                "bench": "rollout", "size": size, "batch": batch, "mode": "torch",
                "tokens_per_s": batch * a.new / best, "seconds": best,
                "median_seconds": sorted(times)[len(times) // 2], "new_tokens": batch * a.new,
                "prompt": a.prompt, "threads": a.threads, "peak_rss_mb": peak_rss_mb(),
                "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
