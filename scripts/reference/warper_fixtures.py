"""Writes Tests/Fixtures/warpers/warpers.json: the tokens transformers' sampling warpers keep on rows logged from
the default model, for SamplingWarpers to be checked against (Tests/SequiturIntegrationTests/WarperFixtureTests.swift).

Rows: for each prompt, the next-token logits after the prompt and after each of the first greedy tokens (the
prefix is recorded, so the Swift test recomputes the same row with its own model). Warpers, at temperature 1 on
raw logits, as generate() applies them: TypicalLogitsWarper (typical_p), EpsilonLogitsWarper (epsilon_cutoff),
EtaLogitsWarper (eta_cutoff), each at two settings. `kept` is the sorted list of token ids left finite.

A row whose kept set changes when its logits move by float32-level noise (three draws of N(0, 3e-5)) is a coin
toss at the threshold: its `kept` is null and the test only reports it.

    HF_HUB_OFFLINE=1 /tmp/refenv/bin/python scripts/reference/warper_fixtures.py [path/to/model.gguf]
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.generation.logits_process import EpsilonLogitsWarper, EtaLogitsWarper, TypicalLogitsWarper

from beam_fixtures import PROMPTS
from reference_model import DEFAULT

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "warpers", "warpers.json")
STEPS = 3
WARPERS = [
    ("typicalP", 0.9, lambda v: TypicalLogitsWarper(mass=v)),
    ("typicalP", 0.5, lambda v: TypicalLogitsWarper(mass=v)),
    ("epsilon", 3e-4, lambda v: EpsilonLogitsWarper(epsilon=v)),
    ("epsilon", 3e-3, lambda v: EpsilonLogitsWarper(epsilon=v)),
    ("eta", 3e-4, lambda v: EtaLogitsWarper(epsilon=v)),
    ("eta", 2e-3, lambda v: EtaLogitsWarper(epsilon=v)),
]


def kept(warper, row):
    out = warper(torch.zeros(1, 1, dtype=torch.long), row[None, :].clone())[0]
    return torch.nonzero(torch.isfinite(out)).flatten().tolist()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    folder, fname = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname, dtype=torch.float32).eval()
    torch.manual_seed(0)
    cases = []
    for text in PROMPTS[:4]:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        prefix = []
        for step in range(STEPS):
            with torch.no_grad():
                row = model(torch.tensor([ids + prefix])).logits[0, -1].float()
            for name, value, make in WARPERS:
                warper = make(value)
                want = kept(warper, row)
                stable = all(kept(warper, row + torch.randn_like(row) * 3e-5) == want for _ in range(3))
                cases.append({"prompt": ids, "prefix": list(prefix), "warper": name, "value": value,
                              "kept": want if stable else None})
                print(text[:20], step, name, value, len(want), "stable" if stable else "UNSTABLE", flush=True)
            prefix.append(int(torch.argmax(row)))
    with open(OUT, "w") as f:
        json.dump({"model": fname, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
