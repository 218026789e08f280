"""Writes Tests/Fixtures/beam/beam.json: what Hugging Face transformers' generate() returns on the default model,
for BeamSearchDecoder and GreedyDecoder to be checked against (Tests/SequiturIntegrationTests/BeamFixtureTests.swift).

Each case holds the prompt as token ids (the transformers tokenizer's, no special tokens added, so the Swift test
needs no tokenizer), the generate() settings, and the returned hypotheses:
  - greedy (num_beams=1, do_sample=False): the generated ids and each token's log-prob (log-softmax of the logits);
  - beam (num_beams=k): for each of num_return_sequences, the generated ids (cut after the first end token) and
    `sequences_scores` (sum of log-probs / generated_length ** length_penalty).
Settings vary over cases: k in {1, 2, 3, 4}, length_penalty, early_stopping (True / False / "never"),
num_return_sequences and no_repeat_ngram_size. eos_token_ids records the end tokens generate() stopped on.

    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/beam_fixtures.py [path/to/model.gguf]
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

DEFAULT = os.path.join(os.environ.get("SEQUITUR_HOME", os.path.expanduser("~/.cache/sequitur")),
                       "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "beam")

PROMPTS = [
    "The capital of France is",
    "Once upon a time, there was a",
    "def fibonacci(n):",
    "The three primary colors are",
    "To make a cup of tea, first",
    "Water boils at a temperature of",
    "In 1969, the first humans",
    "The quick brown fox",
    "My favourite programming language is",
    "Photosynthesis is the process by which",
    "Q: What is 2 + 2?\nA:",
    "A haiku about autumn:\n",
]
CHAT = [{"role": "user", "content": "Name one planet."}]

MAX_NEW = 24

# (name, num_beams, length_penalty, early_stopping, num_return_sequences, no_repeat_ngram_size, prompt indices)
SETTINGS = [
    ("beam4", 4, 1.0, False, 2, 0, range(len(PROMPTS) + 1)),
    ("beam2_lp0_early", 2, 0.0, True, 1, 0, [0, 3, 5, 10, 12]),
    ("beam3_lp2_never", 3, 2.0, "never", 3, 0, [1, 4, 7, 12]),
    ("beam4_lp-0.5", 4, -0.5, False, 1, 0, [2, 6, 9]),
    ("beam4_norepeat3", 4, 1.0, False, 2, 3, [1, 8, 11]),
]


def trim(ids, eos):
    out = []
    for t in ids:
        out.append(int(t))
        if int(t) in eos:
            break
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    folder, fname = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname, dtype=torch.float32).eval()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    gc = model.generation_config
    eos = gc.eos_token_id
    eos = [eos] if isinstance(eos, int) else list(eos or [])
    assert eos, "the model's generation config names no end token"

    prompts = [tok(p, add_special_tokens=False)["input_ids"] for p in PROMPTS]
    chat = tok.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    prompts.append(tok(chat, add_special_tokens=False)["input_ids"])
    texts = PROMPTS + [chat]

    common = dict(max_new_tokens=MAX_NEW, do_sample=False, pad_token_id=eos[0], eos_token_id=eos,
                  return_dict_in_generate=True, output_scores=True, output_logits=True,
                  temperature=None, top_p=None, top_k=None, repetition_penalty=None)
    cases = []
    for i, ids in enumerate(prompts):
        x = torch.tensor([ids])
        with torch.no_grad():
            out = model.generate(x, num_beams=1, **common)
        gen = trim(out.sequences[0, len(ids):].tolist(), eos)
        lps = [float(torch.log_softmax(out.logits[s][0].float(), dim=-1)[t]) for s, t in enumerate(gen)]
        cases.append({"name": f"greedy_{i}", "text": texts[i], "prompt": ids, "decoder": "greedy",
                      "hypotheses": [{"tokens": gen, "token_logprobs": [round(v, 6) for v in lps],
                                      "score": round(sum(lps), 6)}]})
        print(cases[-1]["name"], repr(tok.decode(gen)), flush=True)

    for name, k, lp, early, nret, ngram, which in SETTINGS:
        for i in which:
            ids = prompts[i]
            with torch.no_grad():
                out = model.generate(torch.tensor([ids]), num_beams=k, length_penalty=lp, early_stopping=early,
                                     num_return_sequences=nret, no_repeat_ngram_size=ngram or None, **common)
            hyps = []
            for r in range(nret):
                gen = trim(out.sequences[r, len(ids):].tolist(), eos)
                hyps.append({"tokens": gen, "score": round(float(out.sequences_scores[r]), 6)})
            cases.append({"name": f"{name}_{i}", "text": texts[i], "prompt": ids, "decoder": "beam",
                          "parameters": {"numBeams": k, "lengthPenalty": lp,
                                         "earlyStopping": str(early).lower() if isinstance(early, bool) else early,
                                         "numReturnSequences": nret, "noRepeatNgramSize": ngram},
                          "hypotheses": hyps})
            print(cases[-1]["name"], [repr(tok.decode(h["tokens"])) for h in hyps], flush=True)

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "beam.json"), "w") as f:
        json.dump({"model": fname, "transformers_dtype": "float32", "max_new_tokens": MAX_NEW,
                   "eos_token_ids": eos, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
