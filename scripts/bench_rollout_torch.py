#!/usr/bin/env python3
"""The rollout benchmark's workload in PyTorch on the CPU, as the reference point for thinktune's Java decoder.

The same Llama architecture as thinktune's student, in plain torch modules (no transformers): RMSNorm, rotary
embeddings (rotate_half), grouped-query attention with a key/value cache, SwiGLU, a separate LM head or one
tied to the embedding (the sizes of thinktune's BenchSize); float32, eager, random weights (normal(0, 0.02)). It generates `--new` tokens for `--batch` random
prompts of `--prompt` tokens (one prefill, then one token per step for every sequence, never stopping early),
sampling at temperature 1 and computing each token's log-probability from the full log-softmax, as the Java
engine does. Prints one JSON object per line:
  {"bench": "rollout", "size": ..., "batch": ..., "mode": "torch", "tokens_per_s": ..., "seconds": ..., ...}
Usage: OMP_WAIT_POLICY=PASSIVE bench_rollout_torch.py --size small --batch 8 [--prompt 32 --new 64 --threads 2]
(thinktune bench rollout runs it so; OpenMP's default spinning was 7 times slower on a busy 2-core machine.)
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

SIZES = {
    # vocab, hidden, layers, heads, kv heads, ffn[, rope theta, eps, tied head]
    "tiny": (512, 128, 4, 4, 2, 384),
    "small": (4096, 512, 8, 8, 4, 1408),
    # HuggingFaceTB/SmolLM2-135M's published config (thinktune's BenchSize smollm2-135m)
    "smollm2-135m": (49152, 576, 30, 9, 3, 1536, 100000.0, 1e-5, True),
}


class Llama(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, heads, kv_heads, ffn, theta=10000.0, eps=1e-5, tied=False):
        super().__init__()
        self.hd = hidden // heads
        self.heads, self.kv_heads, self.eps = heads, kv_heads, eps
        self.embed = torch.nn.Embedding(vocab, hidden)
        self.layers = torch.nn.ModuleList()
        for _ in range(layers):
            m = torch.nn.Module()
            m.attn_norm = torch.nn.Parameter(torch.ones(hidden))
            m.q = torch.nn.Linear(hidden, heads * self.hd, bias=False)
            m.k = torch.nn.Linear(hidden, kv_heads * self.hd, bias=False)
            m.v = torch.nn.Linear(hidden, kv_heads * self.hd, bias=False)
            m.o = torch.nn.Linear(heads * self.hd, hidden, bias=False)
            m.mlp_norm = torch.nn.Parameter(torch.ones(hidden))
            m.gate = torch.nn.Linear(hidden, ffn, bias=False)
            m.up = torch.nn.Linear(hidden, ffn, bias=False)
            m.down = torch.nn.Linear(ffn, hidden, bias=False)
            self.layers.append(m)
        self.norm = torch.nn.Parameter(torch.ones(hidden))
        self.head = torch.nn.Linear(hidden, vocab, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, 0.0, 0.02)
        if tied:
            self.head.weight = self.embed.weight
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), -1)

    def forward(self, ids, start, cache):
        """ids [B, T] at positions start..start+T-1; cache: per layer (K, V) [B, KV, maxLen, hd]."""
        b, t = ids.shape
        pos = torch.arange(start, start + t, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        x = self.embed(ids)
        g = self.heads // self.kv_heads
        for layer, (kc, vc) in zip(self.layers, cache):
            h = self.rms(x, layer.attn_norm)
            q = layer.q(h).view(b, t, self.heads, self.hd).transpose(1, 2)
            k = layer.k(h).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
            v = layer.v(h).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            kc[:, :, start:start + t] = k
            vc[:, :, start:start + t] = v
            keys = kc[:, :, :start + t].repeat_interleave(g, 1)
            vals = vc[:, :, :start + t].repeat_interleave(g, 1)
            scores = q @ keys.transpose(-1, -2) / math.sqrt(self.hd)
            if t > 1:
                mask = torch.full((t, start + t), float("-inf")).triu(start + 1)
                scores = scores + mask
            att = torch.softmax(scores, -1) @ vals
            x = x + layer.o(att.transpose(1, 2).reshape(b, t, -1))
            h = self.rms(x, layer.mlp_norm)
            x = x + layer.down(F.silu(layer.gate(h)) * layer.up(h))
        x = self.rms(x[:, -1], self.norm)
        return self.head(x)


def generate(model, prompts, new_tokens, gen):
    b, p = prompts.shape
    cache = [(torch.zeros(b, model.kv_heads, p + new_tokens, model.hd),
              torch.zeros(b, model.kv_heads, p + new_tokens, model.hd)) for _ in model.layers]
    logits = model(prompts, 0, cache)
    out, lps = [], []
    for step in range(new_tokens):
        logp = torch.log_softmax(logits, -1)
        tok = torch.multinomial(logp.exp(), 1, generator=gen)
        out.append(tok)
        lps.append(logp.gather(-1, tok))
        if step + 1 < new_tokens:
            logits = model(tok, p + step, cache)
    return torch.cat(out, 1), torch.cat(lps, 1)


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


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
        model = Llama(*SIZES[size]).eval()
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
