"""Writes Tests/Fixtures/conversations/conversations.json: per-assistant-turn log-probs of short chat
conversations under the default model, computed by Hugging Face transformers in float32 with a loss mask, the
way SFT code selects the assistant tokens by hand. ConversationScorer is checked against it.

For each conversation:
  1. text = apply_chat_template(messages, tokenize=False) (no generation prompt), tokenized with
     add_special_tokens=False and return_offsets_mapping=True (offsets are in Python characters).
  2. For assistant message k: its turn starts at len(apply_chat_template(messages[:k], add_generation_prompt=True))
     and ends at len(apply_chat_template(messages[:k+1])); each rendering must be a prefix of `text`. The turn's
     first token is the one whose offset starts there.
  3. The end-of-turn marker is the last `<|im_end|>` token inside the turn. The mask with the marker covers
     [first token, marker]; without it, [first token, marker). The newline the template writes after the marker
     is never in the mask (the model does not generate it: generation stops at the marker).
  4. One forward pass over the whole text; log_softmax in float32; the mask selects log Pr(t_j | t_<j).

    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/conversation_scores.py [path/to/model.gguf]
"""
import json
import os
import sys

import torch

from reference_model import DEFAULT, load_float32

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "conversations")

CONVERSATIONS = [
    ("two_rounds_default_system", [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "The capital of France is Paris."},
        {"role": "user", "content": "And of Italy?"},
        {"role": "assistant", "content": "Rome."},
    ]),
    ("system_three_rounds", [
        {"role": "system", "content": "You are a terse math tutor."},
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "Times 3?"},
        {"role": "assistant", "content": "12"},
        {"role": "user", "content": "Minus 5?"},
        {"role": "assistant", "content": "7, since 12 - 5 = 7."},
    ]),
    ("unicode_and_newlines", [
        {"role": "user", "content": "Translate to French: \"the coffee\""},
        {"role": "assistant", "content": "le café ☕"},
        {"role": "user", "content": "Write two lines."},
        {"role": "assistant", "content": "First line.\nSecond line."},
    ]),
    ("four_rounds", [
        {"role": "system", "content": "You answer in one word."},
        {"role": "user", "content": "Colour of the sky?"},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Of grass?"},
        {"role": "assistant", "content": "Green."},
        {"role": "user", "content": "Of snow?"},
        {"role": "assistant", "content": "White."},
        {"role": "user", "content": "Of coal?"},
        {"role": "assistant", "content": "Black."},
    ]),
]


def render(tok, messages, generation_prompt):
    return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def first_token_at(offsets, char):
    for i, (s, _) in enumerate(offsets):
        if s == char:
            return i
    raise ValueError(f"no token starts at character {char}")


def conversation(tok, model, name, messages):
    text = render(tok, messages, False)
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    end_of_turn = tok.convert_tokens_to_ids("<|im_end|>")
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
    lp = torch.log_softmax(logits, dim=-1)
    token_lp = [0.0] + [float(lp[j - 1, ids[j]]) for j in range(1, len(ids))]   # log Pr(t_j | t_<j)

    turns = []
    for k, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = render(tok, messages[:k], True)
        through = render(tok, messages[:k + 1], False)
        assert text.startswith(before) and text.startswith(through), "template is not prefix-stable"
        start = first_token_at(offsets, len(before))
        end = first_token_at(offsets, len(through)) if len(through) < len(text) else len(ids)
        marker = max(j for j in range(start, end) if ids[j] == end_of_turn)
        mask_with = torch.zeros(len(ids), dtype=torch.bool)
        mask_with[start:marker + 1] = True
        mask_without = mask_with.clone()
        mask_without[marker] = False
        lps = torch.tensor(token_lp, dtype=torch.float64)
        turns.append({
            "message_index": k,
            "token_start": start,
            "token_end_with_end_of_turn": marker + 1,
            "token_end_without_end_of_turn": marker,
            "token_logprobs": [round(token_lp[j], 6) for j in range(start, marker + 1)],
            "logprob_with_end_of_turn": round(float(lps[mask_with].sum()), 6),
            "logprob_without_end_of_turn": round(float(lps[mask_without].sum()), 6),
        })
    return {
        "name": name,
        "messages": messages,
        "text": text,
        "token_ids": ids,
        "turns": turns,
        "total_with_end_of_turn": round(sum(t["logprob_with_end_of_turn"] for t in turns), 6),
        "total_without_end_of_turn": round(sum(t["logprob_without_end_of_turn"] for t in turns), 6),
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    tok, model, fname = load_float32(path)
    items = [conversation(tok, model, name, messages) for name, messages in CONVERSATIONS]
    os.makedirs(OUT, exist_ok=True)
    out = {"model": fname, "transformers_dtype": "float32", "conversations": items}
    with open(os.path.join(OUT, "conversations.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    for c in items:
        print(c["name"], len(c["token_ids"]), "tokens,", len(c["turns"]), "turns, total", c["total_with_end_of_turn"])


if __name__ == "__main__":
    main()
