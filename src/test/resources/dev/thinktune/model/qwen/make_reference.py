"""Reference log-probabilities of tiny Qwen2 and Qwen3 models, for Qwen2ForwardTest and Qwen3ForwardTest.

The forward passes written out in plain torch (no transformers) from transformers' modeling_qwen2.py and
modeling_qwen3.py: RMSNorm, q/k/v projections (Qwen2: WITH bias; o_proj and the MLP without), Qwen3's RMSNorm over
each query and key head (q_norm, k_norm of head_dim) before the rotary embedding, rotary embeddings in the
rotate_half layout (rope_theta 1e6), grouped key/value heads, causal softmax attention scaled by head_dim^-0.5,
SwiGLU MLP, a separate lm_head. Computed in float64 so the reference is independent of float32 rounding.

Run from the project root with Debian's python3-torch:
    /usr/bin/python3 src/test/resources/dev/thinktune/model/qwen/make_reference.py
Writes beside this script:
  tiny-qwen2/config.json, tiny-qwen2/model.safetensors   the seeded Qwen2 model (float32; biases normal, not zero)
  reference.safetensors   its input_ids [B, T] (I32), logits [B, T, V] and token_logprobs [B, T-1] (F32)
  tiny-qwen3/..., reference-qwen3.safetensors   the same for a Qwen3 model whose head_dim (16) is not
                                                 hidden / heads (8), with q/k norm weights normal around 1
"""
import json, os, struct
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
V, D, F, L, H, KV = 64, 32, 64, 2, 4, 2
THETA, EPS = 1_000_000.0, 1e-6
B, T = 2, 9


def rms_norm(x, w):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))


def rotate_half(x):
    hd = x.shape[-1]
    return torch.cat((-x[..., hd // 2:], x[..., :hd // 2]), dim=-1)


def make(family, seed, hd):
    """The seeded model of `family` (qwen2 or qwen3) with head_dim `hd`, its input ids and its forward pass."""
    g = torch.Generator().manual_seed(seed)
    qwen2 = family == "qwen2"

    def normal(*shape, std=0.2, mean=0.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).float()

    weights = {"model.embed_tokens.weight": normal(V, D, std=0.5)}
    for l in range(L):
        p = f"model.layers.{l}."
        weights[p + "input_layernorm.weight"] = normal(D, std=0.1, mean=1.0)
        for name, rows in (("q", H * hd), ("k", KV * hd), ("v", KV * hd)):
            weights[p + f"self_attn.{name}_proj.weight"] = normal(rows, D)
            if qwen2:
                weights[p + f"self_attn.{name}_proj.bias"] = normal(rows, std=0.5)
        weights[p + "self_attn.o_proj.weight"] = normal(D, H * hd)
        if not qwen2:
            weights[p + "self_attn.q_norm.weight"] = normal(hd, std=0.3, mean=1.0)
            weights[p + "self_attn.k_norm.weight"] = normal(hd, std=0.3, mean=1.0)
        weights[p + "post_attention_layernorm.weight"] = normal(D, std=0.1, mean=1.0)
        weights[p + "mlp.gate_proj.weight"] = normal(F, D)
        weights[p + "mlp.up_proj.weight"] = normal(F, D)
        weights[p + "mlp.down_proj.weight"] = normal(D, F)
    weights["model.norm.weight"] = normal(D, std=0.1, mean=1.0)
    weights["lm_head.weight"] = normal(V, D)
    input_ids = torch.randint(0, V, (B, T), generator=g)

    def forward(ids):
        w = {k: v.double() for k, v in weights.items()}
        x = w["model.embed_tokens.weight"][ids]                                     # [B, T, D]
        inv_freq = 1.0 / (THETA ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        angles = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]  # [T, hd/2]
        emb = torch.cat((angles, angles), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]                     # [1, 1, T, hd]
        causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
        for l in range(L):
            p = f"model.layers.{l}."
            h = rms_norm(x, w[p + "input_layernorm.weight"])

            def lin(name, heads):
                y = h @ w[p + name + "_proj.weight"].T
                if qwen2:
                    y = y + w[p + name + "_proj.bias"]
                y = y.view(B, T, heads, hd)                                          # [B, T, heads, hd]
                if not qwen2 and name in ("self_attn.q", "self_attn.k"):
                    y = rms_norm(y, w[p + name + "_norm.weight"])                    # Qwen3: per head
                return y.transpose(1, 2)                                             # [B, heads, T, hd]

            q, k, v = lin("self_attn.q", H), lin("self_attn.k", KV), lin("self_attn.v", KV)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(H // KV, dim=1)
            v = v.repeat_interleave(H // KV, dim=1)
            att = torch.softmax(q @ k.transpose(2, 3) * hd ** -0.5 + causal, dim=-1)
            o = (att @ v).transpose(1, 2).reshape(B, T, H * hd)
            x = x + o @ w[p + "self_attn.o_proj.weight"].T
            h = rms_norm(x, w[p + "post_attention_layernorm.weight"])
            gate = h @ w[p + "mlp.gate_proj.weight"].T
            up = h @ w[p + "mlp.up_proj.weight"].T
            x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
        x = rms_norm(x, w["model.norm.weight"])
        return x @ w["lm_head.weight"].T                                            # [B, T, V]

    return weights, input_ids, forward


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


def write(family, seed, hd, model_name, reference_name):
    weights, input_ids, forward = make(family, seed, hd)
    logits = forward(input_ids)
    logprobs = torch.log_softmax(logits, dim=-1)
    token_logprobs = logprobs[:, :-1].gather(-1, input_ids[:, 1:, None])[..., 0]
    model_dir = os.path.join(HERE, model_name)
    os.makedirs(model_dir, exist_ok=True)
    config = {
        "architectures": ["Qwen2ForCausalLM" if family == "qwen2" else "Qwen3ForCausalLM"], "model_type": family,
        "vocab_size": V, "hidden_size": D, "intermediate_size": F, "num_hidden_layers": L,
        "num_attention_heads": H, "num_key_value_heads": KV, "hidden_act": "silu", "max_position_embeddings": 128,
        "rms_norm_eps": EPS, "rope_theta": THETA, "tie_word_embeddings": False, "use_sliding_window": False,
        "sliding_window": 128, "max_window_layers": L, "attention_dropout": 0.0, "bos_token_id": 0,
        "eos_token_id": 1, "torch_dtype": "float32",
    }
    if family == "qwen3":
        config.update({"head_dim": hd, "attention_bias": False})
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(model_dir, "model.safetensors"), weights)
    write_safetensors(os.path.join(HERE, reference_name), {
        "input_ids": input_ids.int(), "logits": logits.float(), "token_logprobs": token_logprobs.float()})
    print("wrote", model_dir, "and", reference_name)


write("qwen2", 20251205, D // H, "tiny-qwen2", "reference.safetensors")
write("qwen3", 20251206, 16, "tiny-qwen3", "reference-qwen3.safetensors")
