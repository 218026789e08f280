"""Writes Tests/Fixtures/processors/processors.json: what Hugging Face transformers' generate() returns on the
default model with logit processors, for the processors under GreedyDecoder and BeamSearchDecoder to be checked
against (Tests/SequiturIntegrationTests/ProcessorFixtureTests.swift).

The file has beam.json's layout (see beam_fixtures.py), and each case also names the processors as Sequitur's
configuration writes them (`processors: [{name, parameters}]`), beside the generate() argument they mirror:
  repetition_penalty -> repetition-penalty, no_repeat_ngram_size -> no-repeat-ngram,
  min_new_tokens -> min-new-tokens, bad_words_ids -> bad-words, sequence_bias -> sequence-bias.
Greedy cases record the model's own log-prob of each token (log-softmax of the raw logits) and their sum; beam
cases `sequences_scores`, which include the processors' adjustments (transformers applies them to log_softmax
scores in beam search). Greedy's `margin` is taken on the processed scores generate() chose by.

Greedy search hands processors raw logits and beam search log-probs, in transformers and in Sequitur alike (see
Sources/SequiturCore/Decoding/LogitProcessor.swift), so the repetition penalty cases agree under both.

    HF_HUB_OFFLINE=1 /tmp/refenv/bin/python scripts/reference/processor_fixtures.py [path/to/model.gguf]
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from beam_fixtures import BeamMargins, encode_prompts, end_tokens, generate_arguments, trim, write
from beam_fixtures import PROMPTS as BEAM_PROMPTS
from reference_model import DEFAULT

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "processors")

# A few of beam_fixtures' prompts: two that end early (where min-new-tokens matters), two that run on, and chat.
PROMPTS = [BEAM_PROMPTS[i] for i in (0, 1, 10, 3)]
MAX_NEW = 20


def settings(tok):
    """(name, generate() arguments, Sequitur processors) for every processor the issue asks fixtures for."""
    bad = [tok(w, add_special_tokens=False)["input_ids"] for w in [" Paris", " the", " red"]]
    # One-token biases both ways and a two-token sequence (" is the"), whose bias lands on " the" after " is".
    biased = [(tok(w, add_special_tokens=False)["input_ids"], b) for w, b in [(" the", -1.5), (" is the", -4.0), (" a", 1.0)]]
    return [
        ("reppen1.3", dict(repetition_penalty=1.3),
         [{"name": "repetition-penalty", "parameters": {"penalty": 1.3}}]),
        ("norepeat2", dict(no_repeat_ngram_size=2),
         [{"name": "no-repeat-ngram", "parameters": {"size": 2}}]),
        ("minnew16", dict(min_new_tokens=16),
         [{"name": "min-new-tokens", "parameters": {"minNewTokens": 16}}]),
        ("badwords", dict(bad_words_ids=bad),
         [{"name": "bad-words", "parameters": {"sequences": bad}}]),
        ("seqbias", dict(sequence_bias=[[ids, b] for ids, b in biased]),
         [{"name": "sequence-bias", "parameters": {"biases": [{"tokens": ids, "bias": b} for ids, b in biased]}}]),
    ]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    folder, fname = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname, dtype=torch.float32).eval()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    eos = end_tokens(model)
    prompts, texts = encode_prompts(tok, PROMPTS)
    common = generate_arguments(eos, MAX_NEW)
    cases = []
    for name, arguments, processors in settings(tok):
        for i, (ids, text) in enumerate(zip(prompts, texts)):
            with torch.no_grad():
                out = model.generate(torch.tensor([ids]), num_beams=1, **{**common, **arguments})
            gen = trim(out.sequences[0, len(ids):].tolist(), eos)
            rows = [torch.log_softmax(out.logits[s][0].float(), dim=-1) for s in range(len(gen))]
            lps = [float(rows[s][t]) for s, t in enumerate(gen)]
            chosen = [out.scores[s][0].float() for s in range(len(gen))]
            margin = min(float(v[0] - v[1]) for v in (torch.topk(r, 2).values for r in chosen))
            cases.append({"name": f"greedy_{name}_{i}", "text": text, "prompt": ids, "decoder": "greedy",
                          "margin": round(margin, 7), "processors": processors,
                          "hypotheses": [{"tokens": gen, "token_logprobs": [round(v, 6) for v in lps],
                                          "score": round(sum(lps), 6)}]})
            print(cases[-1]["name"], cases[-1]["margin"], repr(tok.decode(gen)), flush=True)
            k = 4
            with torch.no_grad(), BeamMargins(model) as margins:
                out = model.generate(torch.tensor([ids]), num_beams=k, length_penalty=1.0, early_stopping=False,
                                     num_return_sequences=k, **{**common, **arguments})
            hyps = [{"tokens": trim(out.sequences[r, len(ids):].tolist(), eos),
                     "score": round(float(out.sequences_scores[r]), 6)} for r in range(k)]
            cases.append({"name": f"beam4_{name}_{i}", "text": text, "prompt": ids, "decoder": "beam",
                          "margin": round(margins.margin, 7), "processors": processors,
                          "parameters": {"numBeams": k, "lengthPenalty": 1.0, "earlyStopping": "false",
                                         "numReturnSequences": k, "noRepeatNgramSize": 0},
                          "hypotheses": hyps})
            print(cases[-1]["name"], cases[-1]["margin"], [repr(tok.decode(h["tokens"])) for h in hyps], flush=True)
    write(cases, fname, eos, path=os.path.join(OUT, "processors.json"), max_new=MAX_NEW)


if __name__ == "__main__":
    main()
