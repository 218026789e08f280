#!/usr/bin/env python3
"""Make Tests/Fixtures/families/: one seeded random-weight model per architecture family, as GGUF files
written by llama.cpp's own converter (and quantised by llama.cpp), with transformers' float32 log-probs and
greedy continuations as the reference Sequitur is held to.

For each family (llama3, qwen2, qwen3, phi3, gemma2, gemma3):
  1. a tiny model is built in transformers from a config (hidden size 256 so K-quant blocks fit, two layers
     (six for gemma3), grouped-query attention, a 320-token byte-level BPE vocabulary, or SentencePiece for
     phi3 and Gemma), every weight drawn from a fixed seed,
     norms and biases included (not left at 1 and 0), and saved as float32 safetensors;
  2. llama.cpp's convert_hf_to_gguf.py (from the llama-cpp-python==0.3.36 source package) writes F32 and
     Q8_0 files; llama.cpp's quantiser (`llama-quantize`, the same `llama_model_quantize` the Python package
     wraps) writes Q4_K_M, Q5_K_M and Q6_K from the F32 file;
  3. each GGUF file is loaded back through transformers (`gguf_file=`, with the original config so rope
     scaling stays exact), which dequantises it to float32, and scores fixed token sequences and a greedy
     16-token continuation. Those numbers go into `<family>.json` beside the files.

Gemma is built to exercise what sets it apart, not to look like a released checkpoint:
  - a sliding window of 8 tokens, so that the sequences of 19 and 41 tokens and the 9 + 16 greedy run cross it
    on the sliding layers (the 7-token one stays inside). transformers keeps key k visible to query q iff
    k <= q and q - k < 8, as llama.cpp does (it masks q - k >= n_swa);
  - the embedding table 8 times smaller and the final norm's multiplier 4 times larger than `randomise` makes
    them (`rescale_gemma`): the tied head otherwise predicts every position's own input token;
  - Gemma 2's soft-caps at about half the largest attention score and logit this random model meets before
    capping (ATTN_CAP, FINAL_CAP), so cap * tanh(x / cap) bends where it matters;
  - query_pre_attn_scalar equal to the head size: llama.cpp ignores the key and scales by head_size ** -0.5
    (except at the 27B layer counts);
  - Gemma 3 with six layers: its GGUF carries no sliding-window pattern, so llama.cpp applies its default
    (layer i slides iff i % 6 < 5, at rope base 10000, and layer 5 is global at gemma3.rope.freq_base), and
    transformers' layer_types and rope_parameters say the same. Six layers at full width would not fit the
    fixture budget, so Gemma 3's feed-forward and attention widths are 64; llama-quantize then falls back
    from K-quants (Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0) on the tensors whose rows are 64 long
    (ffn_down, attn_output), so those files mix block sizes of 32 and 256.
Two rope-scaling cases, in F32 only (`TYPES`) and at hidden size 64 with one layer, to stay small:
  - qwen2-yarn: a Qwen2 model with YaRN (factor 4, original context 64 = max_position_embeddings / 4, base
    10000, beta_fast 32 and beta_slow 1 by default). Over a 16-wide head (8 frequencies) the correction range
    is floor(-0.99) -> 0 to ceil(2.02) -> 3, so frequency 0 is kept, 1 and 2 are blended (ramp 1/3, 2/3) and
    3 to 7 are divided by 4; cos and sin are multiplied by 0.1 * ln 4 + 1. The converter writes
    qwen2.rope.scaling.type = yarn, .factor and .original_context_length (transformers puts no beta or
    attention factor in config.json, so none is written).
  - phi3-longrope: a Phi-3 model with LongRoPE (short and long factors of 8 values each, seeded, original
    context 64 and max_position_embeddings 256, so an attention factor of sqrt(1 + ln 4 / ln 64) on cos and
    sin). Every sequence here and the greedy run (9 + 16) stay within 64 positions, where transformers divides
    the frequencies by the short factors; the long ones are in the file (rope_factors_long) but unused here.
    No sliding window (the converter writes phi3.attention.sliding_window = 0), tied embeddings (no output
    tensor; llama.cpp falls back to token_embd).

The converter adds 1 to every Gemma norm weight (transformers' RMSNorm multiplies by 1 + weight) and
transformers subtracts it again when it loads the GGUF (the F32 file's parameters come back within 1.2e-7 of
the model's). Gemma 2's converter writes no rope.freq_base; llama.cpp's default, 10000, is the one set here.

The converter recognises a BPE pre-tokenizer by hashing the encoding of a test string; a vocabulary trained
here matches no released model, so the script tells the converter which pre-tokenizer the family uses
(`PRE_TOKENIZER`). The scores are of fixed token ids, so the label changes no number.

Run (see README.md in this folder for the environment):
  python scripts/reference/family_fixtures.py --llama-cpp /path/to/llama_cpp_python-0.3.36/vendor/llama.cpp \
      --quantize /path/to/llama-quantize
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "families"
SEED = 20261204
VOCAB = 320
TYPES_CONVERTED = ["f32", "q8_0"]
TYPES_QUANTISED = ["Q4_K_M", "Q5_K_M", "Q6_K"]
# Families written in fewer types than TYPES_CONVERTED + TYPES_QUANTISED: (converted, quantised).
TYPES = {"qwen2-yarn": (["f32"], []), "phi3-longrope": (["f32"], [])}
# Gemma 2's soft-caps (attention scores, final logits), about half the largest value each meets in this model
# before capping (scores up to 75, logits up to 8.4 over the sequences scored); see the docstring.
ATTN_CAP = 36.0
FINAL_CAP = 5.0
PRE_TOKENIZER = {"llama3": "llama-bpe", "qwen2": "qwen2", "qwen3": "qwen2", "phi3": "default",
                 "gemma2": "default", "gemma3": "default", "qwen2-yarn": "qwen2", "phi3-longrope": "default"}
# Phi-3 and Gemma ship SentencePiece vocabularies, and llama.cpp's converter reads them from tokenizer.model.
SENTENCEPIECE_FAMILIES = {"phi3", "gemma2", "gemma3", "phi3-longrope"}
GEMMA_FAMILIES = {"gemma2", "gemma3"}
CORPUS = [
    "The cat sat on the mat. The dog sat on the log. A bird sang in the tree.",
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))\n",
    "Sequitur scores and decodes with language models, exactly, in float32.",
    "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
    "<|im_start|>user\nHello there!<|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n",
] * 20


def family_configs():
    from transformers import Gemma2Config, Gemma3TextConfig, LlamaConfig, Phi3Config, Qwen2Config, Qwen3Config
    common = dict(vocab_size=VOCAB, hidden_size=256, intermediate_size=256, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                  rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2)
    # Gemma's special ids (<pad> 0, <eos> 1, <bos> 2, as make_sentencepiece_tokenizer lays them out), its
    # tanh GELU, a head size of its own and tied embeddings; the scale is head_dim ** -0.5 (see the docstring).
    # The rope-scaling cases, F32 only: a 64-wide embedding, one layer, four 16-wide query heads over two
    # key/value heads (8 rotary frequencies), a feed-forward width of 64, tied embeddings.
    small = dict(common, hidden_size=64, intermediate_size=64, num_hidden_layers=1, tie_word_embeddings=True)
    # LongRoPE factors, one per frequency, seeded: short in [1, 3], long in [2, 10].
    factors = np.random.default_rng(SEED + 1)
    short_factor = np.round(factors.uniform(1.0, 3.0, 8), 3).tolist()
    long_factor = np.round(factors.uniform(2.0, 10.0, 8), 3).tolist()
    gemma = dict(common, rms_norm_eps=1e-6, pad_token_id=0, bos_token_id=2, eos_token_id=1,
                 hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, sliding_window=8)
    return {
        # Llama 3.x rope scaling: an original context of 64 puts the 32 frequencies of a 64-wide head in all
        # three of its bands (kept, divided by the factor, smoothly interpolated).
        "llama3": LlamaConfig(**common, tie_word_embeddings=False, rope_parameters={
            "rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
        "qwen2": Qwen2Config(**common, tie_word_embeddings=True, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        # Qwen 3's head dimension is its own (128 here, over an embedding of 256 with 4 heads; one key/value head
        # keeps the file small).
        "qwen3": Qwen3Config(**{**common, "num_key_value_heads": 1}, head_dim=128, tie_word_embeddings=True,
                             rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}),
        # Phi-3: fused QKV and gate/up projections, NEOX RoPE; a sliding window longer than every sequence
        # here (transformers then attends to all of them, as Sequitur does up to the window).
        "phi3": Phi3Config(**common, tie_word_embeddings=False, sliding_window=128, pad_token_id=0,
                           original_max_position_embeddings=256,
                           rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
        # Gemma 2: layer 0 slides, layer 1 is global (both transformers' and llama.cpp's pattern of 2). Four
        # 64-wide query heads over one key/value head keep every row a multiple of 256, and the caps sit where
        # tanh bends on this model's scores and logits (see ATTN_CAP).
        "gemma2": Gemma2Config(**{**gemma, "num_key_value_heads": 1}, head_dim=64, query_pre_attn_scalar=64,
                               attn_logit_softcapping=ATTN_CAP, final_logit_softcapping=FINAL_CAP,
                               rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
        # Gemma 3 (text only, as `gemma3` in GGUF): per-head Q/K norms, no soft-capping, and llama.cpp's layer
        # pattern (five sliding layers at rope base 10000, then one global layer at the global base). Two 32-wide
        # query heads over one key/value head and a feed-forward width of 64 keep six layers within the budget.
        "gemma3": Gemma3TextConfig(**{**gemma, "num_hidden_layers": 6, "intermediate_size": 64,
                                      "num_attention_heads": 2, "num_key_value_heads": 1},
                                   head_dim=32, query_pre_attn_scalar=32,
                                   layer_types=["sliding_attention"] * 5 + ["full_attention"],
                                   rope_parameters={
                                       "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                       "full_attention": {"rope_type": "default", "rope_theta": 1000000.0}}),
        # YaRN over an original context of 64 (a quarter of max_position_embeddings): see the docstring for the
        # frequencies it keeps, blends and divides.
        "qwen2-yarn": Qwen2Config(**small, rope_parameters={
            "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 64, "rope_theta": 10000.0}),
        # LongRoPE: Phi3Config's own original_max_position_embeddings overrides the one in rope_parameters, so
        # both say 64. No sliding window.
        "phi3-longrope": Phi3Config(**small, sliding_window=None, pad_token_id=0,
                                    original_max_position_embeddings=64, rope_parameters={
                                        "rope_type": "longrope", "short_factor": short_factor,
                                        "long_factor": long_factor, "original_max_position_embeddings": 64,
                                        "rope_theta": 10000.0}),
    }


def make_tokenizer(directory: Path):
    """A byte-level BPE vocabulary of VOCAB tokens (Qwen-style specials), trained on CORPUS."""
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
    from transformers import PreTrainedTokenizerFast
    specials = ["<unk>", "<|begin_of_text|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    assert tok.get_vocab_size() == VOCAB, tok.get_vocab_size()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<|begin_of_text|>",
                                   eos_token="<|endoftext|>")
    fast.save_pretrained(directory)


def make_sentencepiece_tokenizer(directory: Path, gemma: bool = False):
    """A SentencePiece BPE vocabulary of VOCAB pieces (<unk>, <s>, </s> first), trained on CORPUS, saved as
    tokenizer.model with a tokenizer_config.json naming the Llama tokenizer, as Phi-3 ships it. With `gemma`,
    Gemma's layout instead: <pad>, <eos>, <bos>, <unk> as ids 0 to 3 and no dummy-prefix space (the converter
    writes add_space_prefix = false for Gemma whatever the model says, so the two agree)."""
    import io
    import sentencepiece
    if gemma:
        specials = dict(pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>",
                        bos_piece="<bos>", unk_piece="<unk>", add_dummy_prefix=False)
        config = {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>",
                  "unk_token": "<unk>", "pad_token": "<pad>"}
    else:
        specials = dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1, add_dummy_prefix=True)
        config = {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(CORPUS), model_writer=model,
                                             vocab_size=VOCAB, model_type="bpe", character_coverage=1.0,
                                             minloglevel=2, remove_extra_whitespaces=False,
                                             normalization_rule_name="identity", hard_vocab_limit=True, **specials)
    (directory / "tokenizer.model").write_bytes(model.getvalue())
    (directory / "tokenizer_config.json").write_text(json.dumps({**config, "add_bos_token": True,
                                                                 "add_eos_token": False}))


def randomise(model, generator):
    """Every parameter from the seed: matrices N(0, 1/fan_in)·2, norms 1 + U(-0.5, 0.5), biases U(-0.5, 0.5)."""
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("norm.weight"):
                p.copy_(1 + (torch.rand(p.shape, generator=generator) - 0.5))
            elif name.endswith(".bias"):
                p.copy_(torch.rand(p.shape, generator=generator) - 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=generator) * (2.0 / p.shape[-1] ** 0.5))


def rescale_gemma(model):
    """Gemma's tied embedding is both its input, multiplied by sqrt(hidden) = 16, and its output head. Drawn as
    `randomise` draws it, the scaled input outweighs every post-normed sublayer and the head scores each
    position's own token far above the rest: every argmax is the input token, and the greedy run repeats one
    token. So the table is made 8 times smaller (a power of two: exact), leaving the input a small share of the
    residual stream, and the final norm's multiplier (1 + weight) 4 times larger, so that the logits spread
    about as far as the other families' do."""
    with torch.no_grad():
        model.get_input_embeddings().weight.mul_(0.125)
        model.model.norm.weight.copy_(4 * (1 + model.model.norm.weight) - 1)


def convert(llama_cpp: Path, model_dir: Path, outfile: Path, outtype: str, pre: str):
    """llama.cpp's converter in this process, told the pre-tokenizer label (see the module docstring)."""
    sys.path.insert(0, str(llama_cpp))
    sys.path.insert(1, str(llama_cpp / "gguf-py"))
    import convert_hf_to_gguf
    from conversion import base
    base.TextModel.get_vocab_base_pre = lambda self, tokenizer: pre
    argv = sys.argv
    sys.argv = ["convert_hf_to_gguf.py", str(model_dir), "--outfile", str(outfile), "--outtype", outtype]
    try:
        convert_hf_to_gguf.main()
    finally:
        sys.argv = argv


def reference(model_dir: Path, gguf_path: Path, config, sequences, prompt):
    """transformers' float32 log-probs of each sequence and its greedy continuation of `prompt`, on the
    weights as the GGUF file holds them."""
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name, config=config,
                                                 dtype=torch.float32)
    model.eval()
    scored = []
    with torch.no_grad():
        for ids in sequences:
            logits = model(torch.tensor([ids])).logits[0].double()
            lp = torch.log_softmax(logits, dim=-1)
            scored.append({"token_ids": ids,
                           "logprobs": [lp[i, ids[i + 1]].item() for i in range(len(ids) - 1)],
                           "argmax": [int(lp[i].argmax()) for i in range(len(ids))]})
        out = model.generate(torch.tensor([prompt]), max_new_tokens=16, do_sample=False, num_beams=1,
                             eos_token_id=None, pad_token_id=0)
    return scored, out[0, len(prompt):].tolist()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--llama-cpp", type=Path, required=True, help="vendor/llama.cpp of llama-cpp-python 0.3.36")
    parser.add_argument("--quantize", type=Path, required=True, help="llama.cpp's llama-quantize binary")
    parser.add_argument("--families", nargs="*", default=None)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    configs = family_configs()
    rng = np.random.default_rng(SEED)
    # Three sequences of awkward lengths over the whole vocabulary, and a prompt for the greedy run.
    sequences = [rng.integers(5, VOCAB, n).tolist() for n in (7, 19, 41)]
    prompt = rng.integers(5, VOCAB, 9).tolist()
    for family, config in configs.items():
        if args.families and family not in args.families:
            continue
        from transformers import AutoModelForCausalLM
        with tempfile.TemporaryDirectory() as tmp:
            model_dir = Path(tmp) / family
            generator = torch.Generator().manual_seed(SEED + sum(map(ord, family)))
            torch.manual_seed(SEED)
            model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
            randomise(model, generator)
            if family in GEMMA_FAMILIES:
                rescale_gemma(model)
            model.save_pretrained(model_dir)
            if family in SENTENCEPIECE_FAMILIES:
                make_sentencepiece_tokenizer(model_dir, gemma=family in GEMMA_FAMILIES)
            else:
                make_tokenizer(model_dir)
            entries = []
            files = {}
            converted, quantised = TYPES.get(family, (TYPES_CONVERTED, TYPES_QUANTISED))
            for outtype in converted:
                path = OUT / f"{family}-{outtype.upper()}.gguf"
                convert(args.llama_cpp, model_dir, path, outtype, PRE_TOKENIZER[family])
                files[outtype.upper()] = path
            for qtype in quantised:
                path = OUT / f"{family}-{qtype}.gguf"
                subprocess.run([str(args.quantize), str(files["F32"]), str(path), qtype], check=True,
                               stdout=subprocess.DEVNULL)
                files[qtype] = path
            for qtype, path in files.items():
                scored, greedy = reference(model_dir, path, config, sequences, prompt)
                entries.append({"type": qtype, "file": path.name, "sequences": scored,
                                "greedy_prompt": prompt, "greedy_tokens": greedy})
                print(f"{family} {qtype}: {path.stat().st_size} bytes", file=sys.stderr)
        (OUT / f"{family}.json").write_text(json.dumps({"family": family, "architecture": config.model_type,
                                                        "cases": entries}, indent=1) + "\n")


if __name__ == "__main__":
    main()
