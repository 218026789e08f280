"""Checks that transformers' GGUF loader un-permutes Q/K for llama, so that HF's rotate_half RoPE on its
weights equals GGML's adjacent-pair RoPE on the raw GGUF weights (the convention Sequitur's backends use).

It runs a plain numpy forward pass straight from the dequantised GGUF tensors with adjacent-pair RoPE
(no un-permutation) and compares its logits with transformers' float32 logits on the same tokens.

    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/logprobs_verify_rope.py [path/to/model.gguf]
"""
import os
import sys

import numpy as np
import torch
from gguf import GGUFReader
from gguf.quants import dequantize
from transformers import AutoModelForCausalLM, AutoTokenizer

from reference_model import DEFAULT


def field(reader, key):
    return reader.fields[key].contents()


def ggml_forward(path, ids):
    """Logits (n × vocab) from raw GGUF weights, GGML 'normal' RoPE on adjacent pairs, float64 math."""
    r = GGUFReader(path)
    w = {t.name: dequantize(t.data, t.tensor_type).astype(np.float64).reshape(
        [int(x) for x in reversed(t.shape)]) for t in r.tensors}
    n_layer = field(r, "llama.block_count")
    n_head = field(r, "llama.attention.head_count")
    n_kv = field(r, "llama.attention.head_count_kv")
    eps = field(r, "llama.attention.layer_norm_rms_epsilon")
    base = field(r, "llama.rope.freq_base")
    d = field(r, "llama.embedding_length")
    hd = d // n_head
    n = len(ids)

    def rms(x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g

    def rope(x, heads):  # x: n × heads·hd; rotate pairs (2i, 2i+1)
        x = x.reshape(n, heads, hd // 2, 2).copy()
        pos = np.arange(n)[:, None, None]
        theta = pos * base ** (-2.0 * np.arange(hd // 2)[None, None, :] / hd)
        c, s = np.cos(theta), np.sin(theta)
        a, b = x[..., 0].copy(), x[..., 1].copy()
        x[..., 0] = a * c - b * s
        x[..., 1] = a * s + b * c
        return x.reshape(n, heads * hd)

    x = w["token_embd.weight"][ids]
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for l in range(n_layer):
        p = f"blk.{l}."
        h = rms(x, w[p + "attn_norm.weight"])
        q = rope(h @ w[p + "attn_q.weight"].T, n_head).reshape(n, n_head, hd)
        k = rope(h @ w[p + "attn_k.weight"].T, n_kv).reshape(n, n_kv, hd)
        v = (h @ w[p + "attn_v.weight"].T).reshape(n, n_kv, hd)
        out = np.empty((n, n_head, hd))
        for hh in range(n_head):
            kv = hh // (n_head // n_kv)
            s = q[:, hh] @ k[:, kv].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, hh] = (s / s.sum(-1, keepdims=True)) @ v[:, kv]
        x = x + out.reshape(n, d) @ w[p + "attn_output.weight"].T
        h = rms(x, w[p + "ffn_norm.weight"])
        g = h @ w[p + "ffn_gate.weight"].T
        u = h @ w[p + "ffn_up.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "ffn_down.weight"].T
    x = rms(x, w["output_norm.weight"])
    head = w.get("output.weight", w["token_embd.weight"])
    return x @ head.T


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    folder, name = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    ids = tok("The quick brown fox jumps over the lazy dog, and then it rests under a tree.")["input_ids"]
    with torch.no_grad():
        hf = model(torch.tensor([ids])).logits[0].double().numpy()
    ours = ggml_forward(path, ids)
    diff = np.abs(hf - ours).max()
    print(f"{len(ids)} tokens; max |logit difference| transformers vs GGML-convention numpy: {diff:.3e}")
    if diff > 1e-2:
        sys.exit("MISMATCH: transformers does not match adjacent-pair RoPE on the raw GGUF weights")
    print("OK: transformers' un-permuted Q/K with rotate_half equals adjacent-pair RoPE on raw GGUF weights")


if __name__ == "__main__":
    main()
