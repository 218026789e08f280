"""Writes Tests/Fixtures/logprobs/*.json: per-position next-token log-probs of the default model, computed by
Hugging Face transformers in float32 from the GGUF file (`gguf_file=`), for LlamaModel to be checked against.

Each fixture holds the text, its token ids (the transformers tokenizer's), and for every position i:
  - logprobs[i] = log Pr(t[i+1] | t[0..i])   for i in 0 ..< n-1   (the actual next token)
  - argmax[i]   = the most likely next token after t[0..i]          for i in 0 ..< n
  - margin[i]   = log-prob gap between the best and second-best token after t[0..i]
Values are rounded to 6 decimals to keep the files small.

Run scripts/reference/logprobs_verify_rope.py first: it proves the transformers load uses the same RoPE
convention as GGML (adjacent pairs on the raw GGUF weights), so these numbers are a fair reference.

    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/logprobs_fixtures.py [path/to/model.gguf]
"""
import hashlib
import json
import os
import sys

import torch

from logprobs_texts import CHATS, LONG_PASSAGE_TOKENS, TEXTS
from reference_model import DEFAULT, load_float32

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "logprobs")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fixture(model, name, text, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
    lp = torch.log_softmax(logits, dim=-1)
    top2 = lp.topk(2, dim=-1)
    next_ids = torch.tensor(ids[1:], dtype=torch.long)
    actual = lp[torch.arange(len(ids) - 1), next_ids] if len(ids) > 1 else torch.zeros(0)
    r6 = lambda xs: [round(float(x), 6) for x in xs]
    return {
        "name": name,
        "text": text,
        "token_ids": ids,
        "logprobs": r6(actual),
        "argmax": [int(i) for i in top2.indices[:, 0]],
        "margin": r6(top2.values[:, 0] - top2.values[:, 1]),
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    tok, model, fname = load_float32(path)

    items = []
    for name, text in TEXTS:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        if name == "long_passage":
            ids = ids[:LONG_PASSAGE_TOKENS]
            text = tok.decode(ids)
        items.append((name, text, ids))
    for name, messages in CHATS:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        items.append((name, text, tok(text, add_special_tokens=False)["input_ids"]))

    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".json"):
            os.remove(os.path.join(OUT, old))
    meta = {"model": fname, "sha256": sha256(path), "transformers_dtype": "float32", "fixtures": []}
    total = 0
    for i, (name, text, ids) in enumerate(items):
        fx = fixture(model, name, text, ids)
        file = f"{i:02d}_{name}.json"
        with open(os.path.join(OUT, file), "w") as f:
            json.dump(fx, f, ensure_ascii=False, separators=(",", ":"))
        meta["fixtures"].append({"file": file, "tokens": len(ids)})
        total += len(ids)
        print(f"{file}: {len(ids)} tokens")
    meta["total_tokens"] = total
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{len(items)} fixtures, {total} tokens")


if __name__ == "__main__":
    main()
