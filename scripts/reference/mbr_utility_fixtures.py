"""Writes Tests/Fixtures/mbr/utilities.json: sacrebleu's sentence chrF and BLEU for pairs of sentences, for the
MBR utilities (ChrFUtility, SentenceBLEUUtility) to be checked against (Tests/SequiturDecodersTests/
MBRUtilitySacrebleuTests.swift). chrF is sacrebleu's default CHRF() (character 6-grams, beta 2, whitespace
removed); BLEU is sacrebleu.sentence_bleu with add-k smoothing (k = 1) on whitespace tokens (tokenize="none",
effective order, the function's default), both
divided by 100 as the utilities report them. Pairs: hand-picked edge cases and seeded random edits of sentences.

    /tmp/refenv/bin/pip install sacrebleu && /tmp/refenv/bin/python scripts/reference/mbr_utility_fixtures.py
"""
import json
import os
import random

import sacrebleu
from sacrebleu.metrics import CHRF

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "mbr", "utilities.json")

SENTENCES = [
    "the cat sat on the mat", "a cat sat on a mat", "the quick brown fox jumps over the lazy dog",
    "Paris is the capital of France.", "The capital of France is Paris.", "café au lait, s'il vous plaît",
    "one two three four five six seven", "to be or not to be", "it was the best of times, it was the worst of times",
]
WORDS = "the a cat dog sat on mat rug red blue is of and to in it was Paris France café".split()


def main():
    rng = random.Random(7)
    pairs = [(h, r) for h in SENTENCES[:5] for r in SENTENCES[:5]]
    pairs += [("", "the cat"), ("the", "the"), ("a b c d", "a b c d"), ("a b c d", "d c b a"), ("x", "y z")]
    for _ in range(60):
        ref = rng.choice(SENTENCES).split()
        hyp = list(ref)
        for _ in range(rng.randint(0, 4)):
            op = rng.randint(0, 2)
            i = rng.randrange(len(hyp) + (1 if op == 1 else 0)) if hyp or op == 1 else 0
            if op == 0 and hyp: hyp.pop(i)
            elif op == 1: hyp.insert(i, rng.choice(WORDS))
            elif hyp: hyp[i] = rng.choice(WORDS)
        pairs.append((" ".join(hyp), " ".join(ref)))
    chrf = CHRF()
    cases = []
    for h, r in pairs:
        cases.append({"hypothesis": h, "reference": r,
                      "chrf": chrf.sentence_score(h, [r]).score / 100,
                      "bleu": sacrebleu.sentence_bleu(h, [r], smooth_method="add-k", smooth_value=1,
                                                      tokenize="none").score / 100})
    with open(OUT, "w") as f:
        json.dump({"sacrebleu": sacrebleu.__version__, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(cases), "pairs")


if __name__ == "__main__":
    main()
