"""The Llama architecture of thinktune's student in plain torch modules (no transformers), shared by the benchmark
peers (bench_model_torch.py, bench_rollout_torch.py): RMSNorm, rotary embeddings (rotate_half, rope_theta, llama3
rope scaling), grouped-query attention with a causal mask or a key/value cache, SwiGLU, a tied or separate LM head;
float32, random weights (normal(0, 0.02)), built from a transformers config.json as a dict; a qwen2 config
adds the biases of the q, k and v projections.
"""
import math

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
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.hd = c.get("head_dim") or d // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        ffn = c["intermediate_size"]
        qkv_bias = c.get("model_type") == "qwen2"  # Qwen2: biases on q, k and v (modeling_qwen2.py)
        self.embed = torch.nn.Embedding(v, d)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["num_hidden_layers"]):
            m = torch.nn.Module()
            m.attn_norm = torch.nn.Parameter(torch.ones(d))
            m.q = torch.nn.Linear(d, self.heads * self.hd, bias=qkv_bias)
            m.k = torch.nn.Linear(d, self.kv_heads * self.hd, bias=qkv_bias)
            m.v = torch.nn.Linear(d, self.kv_heads * self.hd, bias=qkv_bias)
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
        self.inv_freq = rope_inv_freq(c)

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), -1)

    def forward(self, ids, start=0, cache=None, last_only=False):
        """Logits [B, T, V] of ids [B, T] at positions start..start+T-1 ([B, V] of the last with last_only).

        cache: None (causal attention over ids alone) or per layer (K, V) [B, KV, maxLen, hd], filled at
        start..start+T-1 and attended over 0..start+T-1.
        """
        b, t = ids.shape
        pos = torch.arange(start, start + t, dtype=torch.float32)
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((t, start + t), float("-inf")).triu(start + 1) if t > 1 else None
        g = self.heads // self.kv_heads
        x = self.embed(ids)
        for i, layer in enumerate(self.layers):
            h = self.rms(x, layer.attn_norm)
            q = layer.q(h).view(b, t, self.heads, self.hd).transpose(1, 2)
            k = layer.k(h).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
            v = layer.v(h).view(b, t, self.kv_heads, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if cache is not None:
                kc, vc = cache[i]
                kc[:, :, start:start + t] = k
                vc[:, :, start:start + t] = v
                k, v = kc[:, :, :start + t], vc[:, :, :start + t]
            k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
            if mask is not None:
                scores = scores + mask
            att = torch.softmax(scores, -1) @ v
            x = x + layer.o(att.transpose(1, 2).reshape(b, t, -1))
            h = self.rms(x, layer.mlp_norm)
            x = x + layer.down(F.silu(layer.gate(h)) * layer.up(h))
        x = self.rms(x[:, -1] if last_only else x, self.norm)
        return x @ self.embed.weight.t() if self.tied else self.head(x)


def reset_peak_rss():
    """Starts a new peak: VmHWM back to the current resident size (Linux)."""
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
