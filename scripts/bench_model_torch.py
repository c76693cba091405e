#!/usr/bin/env python3
"""The model benchmark's workload in PyTorch on the CPU, as the reference point for thinktune's SameDiff student.

The Llama architecture of thinktune's student from a transformers config.json (the one `thinktune bench model`
writes for the size): RMSNorm, rotary embeddings (rotate_half, rope_theta, llama3 rope scaling), grouped-query
attention with a causal mask, SwiGLU, a tied or separate LM head; plain torch modules, float32, eager, random
weights (normal(0, 0.02)). Two phases on a fixed batch of random tokens, as thinktune's rows:
  forward: the mean next-token loss under inference mode;
  train:   forward, backward (micro-batches of --micro-batch sequences, gradients summed), global-norm clipping
           to 1.0 and an AdamW update (lr 1e-4, betas 0.9/0.999, eps 1e-8, no weight decay).
Each phase: --warmup untimed runs, the median of --iterations timed ones; peak_rss_mb is the phase's own peak
(VmHWM reset through /proc/self/clear_refs before it). Prints one JSON object per line:
  {"bench": "model", "size": ..., "batch": ..., "mode": "torch-forward", "tokens_per_s": ..., "seconds": ..., ...}
Usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE bench_model_torch.py --config c.json
         --size small --batch 8 --seq 256 [--micro-batch 0 --warmup 1 --iterations 3 --threads 2]
(thinktune bench model runs it so: the fastest way for PyTorch on the 2-core machine.)
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


def rope_inv_freq(c):
    hd = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    inv = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    rs = c.get("rope_scaling")
    if rs:  # llama3: as transformers' _compute_llama3_parameters
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old / low, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= old / high) & (wavelen <= old / low)
        inv = torch.where(medium, smoothed, scaled)
    return inv.float()


class Llama(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        d, v = c["hidden_size"], c["vocab_size"]
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        self.hd = c.get("head_dim") or d // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        ffn = c["intermediate_size"]
        self.embed = torch.nn.Embedding(v, d)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["num_hidden_layers"]):
            m = torch.nn.Module()
            m.attn_norm = torch.nn.Parameter(torch.ones(d))
            m.q = torch.nn.Linear(d, self.heads * self.hd, bias=False)
            m.k = torch.nn.Linear(d, self.kv_heads * self.hd, bias=False)
            m.v = torch.nn.Linear(d, self.kv_heads * self.hd, bias=False)
            m.o = torch.nn.Linear(self.heads * self.hd, d, bias=False)
            m.mlp_norm = torch.nn.Parameter(torch.ones(d))
            m.gate = torch.nn.Linear(d, ffn, bias=False)
            m.up = torch.nn.Linear(d, ffn, bias=False)
            m.down = torch.nn.Linear(ffn, d, bias=False)
            self.layers.append(m)
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.tied = c.get("tie_word_embeddings", False)
        self.head = None if self.tied else torch.nn.Linear(d, v, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, 0.0, 0.02)
        self.register_buffer("inv_freq", rope_inv_freq(c), persistent=False)

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), -1)

    def forward(self, ids):
        """Logits [B, T, V] of ids [B, T] (positions 0..T-1, causal)."""
        b, t = ids.shape
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), self.inv_freq)
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((t, t), float("-inf")).triu(1)
        g = self.heads // self.kv_heads
        x = self.embed(ids)
        for layer in self.layers:
            h = self.rms(x, layer.attn_norm)
            q = layer.q(h).view(b, t, self.heads, self.hd).transpose(1, 2)
            k = layer.k(h).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
            v = layer.v(h).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + mask
            att = torch.softmax(scores, -1) @ v
            x = x + layer.o(att.transpose(1, 2).reshape(b, t, -1))
            h = self.rms(x, layer.mlp_norm)
            x = x + layer.down(F.silu(layer.gate(h)) * layer.up(h))
        x = self.rms(x, self.norm)
        return x @ self.embed.weight.t() if self.tied else self.head(x)


def loss_sum(model, ids):
    """Summed negative log-probability of each next token (thinktune's loss before dividing by the batch's tokens)."""
    logits = model(ids)[:, :-1]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="sum")


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def timed(fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="a transformers config.json")
    ap.add_argument("--size", required=True, help="the label printed in each row")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--micro-batch", type=int, default=0, help="sequences per forward/backward (0: the whole batch)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.config) as f:
        c = json.load(f)
    t0 = time.perf_counter()
    model = Llama(c)
    build = time.perf_counter() - t0
    gen = torch.Generator().manual_seed(a.seed)
    ids = torch.randint(3, c["vocab_size"], (a.batch, a.seq), generator=gen)
    tokens = a.batch * a.seq
    n = a.batch * (a.seq - 1)
    micro = a.batch if a.micro_batch <= 0 else min(a.micro_batch, a.batch)
    params = sum(p.numel() for p in model.parameters())
    common = {"bench": "model", "size": a.size, "batch": a.batch, "seq_len": a.seq, "threads": a.threads,
              "parameters": params, "build_seconds": build, "torch": torch.__version__}

    def row(mode, seconds, **more):
        r = dict(common, mode=mode, tokens_per_s=tokens / seconds, seconds=seconds, peak_rss_mb=peak_rss_mb())
        r.update(more)
        print(json.dumps(r), flush=True)

    def forward():
        with torch.inference_mode():
            return (loss_sum(model, ids) / n).item()

    reset_peak()
    row("torch-forward", timed(forward, a.warmup, a.iterations))

    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

    def step():
        opt.zero_grad(set_to_none=True)
        for s in range(0, a.batch, micro):
            (loss_sum(model, ids[s:s + micro]) / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    reset_peak()
    row("torch-train", timed(step, a.warmup, a.iterations), micro_batch=micro)


if __name__ == "__main__":
    main()
