#!/usr/bin/env python3
"""The model benchmark's workload in PyTorch on the CPU, as the reference point for thinktune's SameDiff student.

The Llama architecture of thinktune's student (torch_llama.py) from a transformers config.json (the one
`thinktune bench model` writes for the size), float32, eager, random weights. Two phases on a fixed batch of random tokens, as thinktune's rows:
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
import time

import torch
import torch.nn.functional as F

from torch_llama import Llama, peak_rss_mb, reset_peak_rss


def loss_sum(model, ids):
    """Summed negative log-probability of each next token (thinktune's loss before dividing by the batch's tokens)."""
    logits = model(ids)[:, :-1]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="sum")


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

    reset_peak_rss()
    row("torch-forward", timed(forward, a.warmup, a.iterations))

    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

    def step():
        opt.zero_grad(set_to_none=True)
        for s in range(0, a.batch, micro):
            (loss_sum(model, ids[s:s + micro]) / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    reset_peak_rss()
    row("torch-train", timed(step, a.warmup, a.iterations), micro_batch=micro)


if __name__ == "__main__":
    main()
