"""Reference log-probabilities of a tiny Qwen2 model with non-zero q/k/v biases, for Qwen2ReferenceTest.

Qwen2's forward pass written out in plain torch (no transformers) from transformers' modeling_qwen2.py:
RMSNorm, q/k/v projections WITH bias (o_proj and the MLP without), rotary embeddings in the rotate_half layout
(rope_theta 1e6), grouped key/value heads, causal softmax attention scaled by head_dim^-0.5, SwiGLU MLP, a
separate lm_head. Computed in float64 so the reference is independent of float32 rounding.

Run from the project root with Debian's python3-torch:
    /usr/bin/python3 src/test/resources/dev/thinktune/model/qwen2/make_reference.py
Writes beside this script:
  tiny-qwen2/config.json, tiny-qwen2/model.safetensors   the seeded model (float32; biases normal, not zero)
  reference.safetensors   input_ids [B, T] (I32), logits [B, T, V] and token_logprobs [B, T-1] (F32)
"""
import json, os, struct
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
V, D, F, L, H, KV = 64, 32, 64, 2, 4, 2
HD = D // H
THETA, EPS = 1_000_000.0, 1e-6
B, T = 2, 9

g = torch.Generator().manual_seed(20251205)


def normal(*shape, std=0.2, mean=0.0):
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).float()


weights = {"model.embed_tokens.weight": normal(V, D, std=0.5)}
for l in range(L):
    p = f"model.layers.{l}."
    weights[p + "input_layernorm.weight"] = normal(D, std=0.1, mean=1.0)
    weights[p + "self_attn.q_proj.weight"] = normal(H * HD, D)
    weights[p + "self_attn.q_proj.bias"] = normal(H * HD, std=0.5)
    weights[p + "self_attn.k_proj.weight"] = normal(KV * HD, D)
    weights[p + "self_attn.k_proj.bias"] = normal(KV * HD, std=0.5)
    weights[p + "self_attn.v_proj.weight"] = normal(KV * HD, D)
    weights[p + "self_attn.v_proj.bias"] = normal(KV * HD, std=0.5)
    weights[p + "self_attn.o_proj.weight"] = normal(D, H * HD)
    weights[p + "post_attention_layernorm.weight"] = normal(D, std=0.1, mean=1.0)
    weights[p + "mlp.gate_proj.weight"] = normal(F, D)
    weights[p + "mlp.up_proj.weight"] = normal(F, D)
    weights[p + "mlp.down_proj.weight"] = normal(D, F)
weights["model.norm.weight"] = normal(D, std=0.1, mean=1.0)
weights["lm_head.weight"] = normal(V, D)
input_ids = torch.randint(0, V, (B, T), generator=g)


def rms_norm(x, w):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))


def rotate_half(x):
    return torch.cat((-x[..., HD // 2:], x[..., :HD // 2]), dim=-1)


def forward(ids):
    w = {k: v.double() for k, v in weights.items()}
    x = w["model.embed_tokens.weight"][ids]                                     # [B, T, D]
    inv_freq = 1.0 / (THETA ** (torch.arange(0, HD, 2, dtype=torch.float64) / HD))
    angles = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]  # [T, HD/2]
    emb = torch.cat((angles, angles), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]                     # [1, 1, T, HD]
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(L):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"])
        lin = lambda name, t: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q = lin("self_attn.q_proj", h).view(B, T, H, HD).transpose(1, 2)        # [B, H, T, HD]
        k = lin("self_attn.k_proj", h).view(B, T, KV, HD).transpose(1, 2)       # [B, KV, T, HD]
        v = lin("self_attn.v_proj", h).view(B, T, KV, HD).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        att = torch.softmax(q @ k.transpose(2, 3) * HD ** -0.5 + causal, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, H * HD)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"])
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"])
    return x @ w["lm_head.weight"].T                                            # [B, T, V]


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        dtype = {torch.float32: "F32", torch.int32: "I32"}[t.dtype]
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


logits = forward(input_ids)
logprobs = torch.log_softmax(logits, dim=-1)
token_logprobs = logprobs[:, :-1].gather(-1, input_ids[:, 1:, None])[..., 0]

model_dir = os.path.join(HERE, "tiny-qwen2")
os.makedirs(model_dir, exist_ok=True)
config = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": V, "hidden_size": D,
    "intermediate_size": F, "num_hidden_layers": L, "num_attention_heads": H, "num_key_value_heads": KV,
    "hidden_act": "silu", "max_position_embeddings": 128, "rms_norm_eps": EPS, "rope_theta": THETA,
    "tie_word_embeddings": False, "use_sliding_window": False, "sliding_window": 128, "max_window_layers": L,
    "attention_dropout": 0.0, "bos_token_id": 0, "eos_token_id": 1, "torch_dtype": "float32",
}
with open(os.path.join(model_dir, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
write_safetensors(os.path.join(model_dir, "model.safetensors"), weights)
write_safetensors(os.path.join(HERE, "reference.safetensors"), {
    "input_ids": input_ids.int(), "logits": logits.float(), "token_logprobs": token_logprobs.float()})
print("wrote", model_dir, "and reference.safetensors")
