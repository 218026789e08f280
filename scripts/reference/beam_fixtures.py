"""Writes Tests/Fixtures/beam/beam.json: what Hugging Face transformers' generate() returns on the default model,
for BeamSearchDecoder and GreedyDecoder to be checked against (Tests/SequiturIntegrationTests/BeamFixtureTests.swift).

Each case holds the prompt as token ids (the transformers tokenizer's, no special tokens added, so the Swift test
needs no tokenizer), the generate() settings, and the returned hypotheses:
  - greedy (num_beams=1, do_sample=False; also what BeamSearchDecoder(numBeams: 1) must return): the generated ids
    and each token's log-prob (log-softmax of the logits);
  - beam (num_beams=k, num_return_sequences=k): every final hypothesis, best first, with its generated ids (cut
    after the first end token) and `sequences_scores` (sum of log-probs / generated_length ** length_penalty).
Settings vary over cases: k in {2, 3, 4}, length_penalty, early_stopping (True / False / "never") and
no_repeat_ngram_size. eos_token_ids records the end tokens generate() stopped on.

`margin` is how close the reference came to deciding differently, so a test can tell a real semantic difference
from a float32 coin toss: for greedy, the smallest top-1 minus top-2 log-prob gap over the steps; for beam, the
smallest gap at any boundary that decides the outcome, over all steps (see BeamMargins).

    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/beam_fixtures.py [path/to/model.gguf]
or, on a busy machine, in N processes:
    for i in 0 1 2; do HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/beam_fixtures.py --shard $i/3 & done; wait
    HF_HUB_OFFLINE=1 /opt/refenv/bin/python scripts/reference/beam_fixtures.py --merge 3
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from reference_model import DEFAULT

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

# (name, num_beams, length_penalty, early_stopping, prompt indices); no_repeat_ngram_size from the name. Every
# final hypothesis is returned (num_return_sequences = num_beams).
SETTINGS = [
    ("beam4", 4, 1.0, False, range(len(PROMPTS) + 1)),
    ("beam2_lp0_early", 2, 0.0, True, [0, 3, 5, 10, 12]),
    ("beam3_lp2_never", 3, 2.0, "never", [1, 4, 7, 12]),
    ("beam4_lp-0.5", 4, -0.5, False, [2, 6, 9]),
    ("beam4_norepeat3", 4, 1.0, False, [1, 8, 11]),
]


class BeamMargins:
    """Records, while generate() runs, the smallest score gap at each boundary that decides a beam search's outcome:
    - the 2k-th against the (2k+1)-th accumulated candidate (which candidates are considered at all);
    - the k-th against the (k+1)-th unfinished candidate (which beams live on);
    - the k-th against the (k+1)-th candidate when either finished (whether a finished one counts);
    - a newly finished score against the worst kept finished score, once k have finished;
    - the early-stopping test: best possible running score against the worst finished one.
    Gaps of exactly tied equal-scored entries that cannot change the outcome are not told apart (conservative)."""

    def __init__(self, model):
        self.model = model
        self.gaps = []
        self.next_after_keep = None

    def __enter__(self):
        m = self.model
        self.saved = {n: getattr(m, n) for n in ("_get_top_k_continuations", "_get_running_beams_for_next_iteration",
                                                  "_update_finished_beams", "_check_early_stop_heuristic")}
        rec = self

        def top_k(accumulated_log_probs, beams_to_keep, **kw):
            vals = torch.topk(accumulated_log_probs, k=beams_to_keep + 1).values[0]
            if vals[-1] > -1e8:
                rec.gaps.append(float(vals[-2] - vals[-1]))
            return rec.saved["_get_top_k_continuations"](accumulated_log_probs=accumulated_log_probs,
                                                         beams_to_keep=beams_to_keep, **kw)

        def running(topk_log_probs, topk_running_sequences, topk_running_beam_indices,
                    next_token_hits_stopping_criteria, num_beams):
            v = topk_log_probs[0]
            done = next_token_hits_stopping_criteria[0]
            alive = v[~done]
            if len(alive) > num_beams:
                rec.gaps.append(float(alive[num_beams - 1] - alive[num_beams]))
            if len(v) > num_beams and (done[num_beams - 1] or done[num_beams]):
                rec.gaps.append(float(v[num_beams - 1] - v[num_beams]))
            return rec.saved["_get_running_beams_for_next_iteration"](
                topk_log_probs, topk_running_sequences, topk_running_beam_indices,
                next_token_hits_stopping_criteria, num_beams)

        def finished(**kw):
            cur = kw["cur_len"] + 1 - kw["decoder_prompt_len"]
            new = kw["topk_log_probs"][0] / (cur ** kw["length_penalty"])
            just = kw["next_token_hits_stopping_criteria"][0] & kw["top_num_beam_mask"]
            if bool(kw["is_sent_finished"][0].all()) and bool(kw["is_early_stop_heuristic_unsatisfied"].all()):
                worst = float(kw["beam_scores"][0].min())
                for s in new[just]:
                    rec.gaps.append(abs(float(s) - worst))
            return rec.saved["_update_finished_beams"](**kw)

        def heuristic(**kw):
            out = rec.saved["_check_early_stop_heuristic"](**kw)
            if bool(kw["is_sent_finished"][0].all()) and bool(kw["is_early_stop_heuristic_unsatisfied"].all()):
                lp = kw["length_penalty"]
                if kw["early_stopping"] == "never" and lp > 0.0:
                    length = kw["max_length"] - kw["decoder_prompt_len"]
                else:
                    length = kw["cur_len"] - kw["decoder_prompt_len"]
                best = float(kw["running_beam_scores"][0, 0]) / (length ** lp)
                rec.gaps.append(abs(best - float(kw["beam_scores"][0].min())))
            return out

        m._get_top_k_continuations = top_k
        m._get_running_beams_for_next_iteration = running
        m._update_finished_beams = finished
        m._check_early_stop_heuristic = heuristic
        return self

    def __exit__(self, *exc):
        for n, f in self.saved.items():
            setattr(self.model, n, f)

    @property
    def margin(self):
        return min(self.gaps) if self.gaps else float("inf")


def trim(ids, eos):
    out = []
    for t in ids:
        out.append(int(t))
        if int(t) in eos:
            break
    return out


def greedy_case(model, tok, common, eos, i, ids, text):
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), num_beams=1, **common)
    gen = trim(out.sequences[0, len(ids):].tolist(), eos)
    rows = [torch.log_softmax(out.logits[s][0].float(), dim=-1) for s in range(len(gen))]
    lps = [float(rows[s][t]) for s, t in enumerate(gen)]
    margin = min(float(v[0] - v[1]) for v in (torch.topk(r, 2).values for r in rows))
    case = {"name": f"greedy_{i}", "text": text, "prompt": ids, "decoder": "greedy", "margin": round(margin, 7),
            "hypotheses": [{"tokens": gen, "token_logprobs": [round(v, 6) for v in lps], "score": round(sum(lps), 6)}]}
    print(case["name"], case["margin"], repr(tok.decode(gen)), flush=True)
    return case


def beam_case(model, tok, common, eos, setting, i, ids, text):
    name, k, lp, early, _ = setting
    ngram = 3 if "norepeat3" in name else 0
    with torch.no_grad(), BeamMargins(model) as margins:
        out = model.generate(torch.tensor([ids]), num_beams=k, length_penalty=lp, early_stopping=early,
                             num_return_sequences=k, no_repeat_ngram_size=ngram or None, **common)
    hyps = [{"tokens": trim(out.sequences[r, len(ids):].tolist(), eos), "score": round(float(out.sequences_scores[r]), 6)}
            for r in range(k)]
    case = {"name": f"{name}_{i}", "text": text, "prompt": ids, "decoder": "beam", "margin": round(margins.margin, 7),
            "parameters": {"numBeams": k, "lengthPenalty": lp,
                           "earlyStopping": str(early).lower() if isinstance(early, bool) else early,
                           "numReturnSequences": k, "noRepeatNgramSize": ngram},
            "hypotheses": hyps}
    print(case["name"], case["margin"], [repr(tok.decode(h["tokens"])) for h in hyps], flush=True)
    return case


def end_tokens(model):
    """The end tokens generate() stops on (the model's generation config)."""
    eos = model.generation_config.eos_token_id
    eos = [eos] if isinstance(eos, int) else list(eos or [])
    assert eos, "the model's generation config names no end token"
    return eos


def encode_prompts(tok, texts):
    """(token ids, texts) of `texts` and, last, the CHAT prompt rendered with the chat template; no special tokens
    added, so the Swift tests need no tokenizer."""
    chat = tok.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    texts = list(texts) + [chat]
    return [tok(t, add_special_tokens=False)["input_ids"] for t in texts], texts


def generate_arguments(eos, max_new):
    """generate() arguments every case shares: deterministic, every step's scores and logits returned, and none of
    the generation config's sampling or penalty defaults."""
    return dict(max_new_tokens=max_new, do_sample=False, pad_token_id=eos[0], eos_token_id=eos,
                return_dict_in_generate=True, output_scores=True, output_logits=True,
                temperature=None, top_p=None, top_k=None, repetition_penalty=None)


def write(cases, fname, eos, path=os.path.join(OUT, "beam.json"), max_new=MAX_NEW):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        # One case per line: small, and diffs stay readable when the fixtures are regenerated.
        head = {"model": fname, "transformers_dtype": "float32", "max_new_tokens": max_new, "eos_token_ids": eos}
        f.write("{\n" + "".join(f" {json.dumps(k)}: {json.dumps(v)},\n" for k, v in head.items()))
        f.write(' "cases": [\n' + ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases) + "\n ]\n}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=DEFAULT)
    parser.add_argument("--shard", help="I/N: run every N-th case from the I-th (0-based) into a part file, so that "
                                        "N processes share a busy machine; then run --merge N")
    parser.add_argument("--merge", type=int, help="assemble beam.json from N part files")
    args = parser.parse_args()
    folder, fname = os.path.split(args.model)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
    if args.merge:
        parts = [json.load(open(os.path.join(OUT, f"beam.part-{i}-of-{args.merge}.json"))) for i in range(args.merge)]
        indexed = sorted((j, c) for part in parts for j, c in part["cases"])
        assert [j for j, _ in indexed] == list(range(len(indexed))), "a part file is missing cases"
        write([c for _, c in indexed], fname, parts[0]["eos_token_ids"])
        for i in range(args.merge):
            os.remove(os.path.join(OUT, f"beam.part-{i}-of-{args.merge}.json"))
        return
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname, dtype=torch.float32).eval()
    shard, shards = (int(x) for x in args.shard.split("/")) if args.shard else (0, 1)
    torch.set_num_threads(1 if shards > 1 else max(1, os.cpu_count() or 1))
    eos = end_tokens(model)
    prompts, texts = encode_prompts(tok, PROMPTS)
    common = generate_arguments(eos, MAX_NEW)
    jobs = [lambda i=i: greedy_case(model, tok, common, eos, i, prompts[i], texts[i]) for i in range(len(prompts))]
    jobs += [lambda s=s, i=i: beam_case(model, tok, common, eos, s, i, prompts[i], texts[i])
             for s in SETTINGS for i in s[-1]]
    mine = [(j, job()) for j, job in enumerate(jobs) if j % shards == shard]
    if shards == 1:
        write([c for _, c in mine], fname, eos)
    else:
        with open(os.path.join(OUT, f"beam.part-{shard}-of-{shards}.json"), "w") as f:
            json.dump({"eos_token_ids": eos, "cases": mine}, f)


if __name__ == "__main__":
    main()
