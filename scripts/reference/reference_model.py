"""The default model as every reference script loads it: Hugging Face transformers, float32, from the GGUF file.

transformers dequantises the GGUF weights to float32 on load (`gguf_file=`), so what it computes is the float32
reference the Swift backends are held to. One loader keeps every fixture family on the same footing.
"""
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

DEFAULT = os.path.join(os.environ.get("SEQUITUR_HOME", os.path.expanduser("~/.cache/sequitur")),
                       "SmolLM2-135M-Instruct.Q4_1.gguf")


def load_float32(path):
    """(tokenizer, model, file name) for the GGUF at `path`: the model in float32 and eval mode, torch on every core."""
    folder, fname = os.path.split(path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=fname)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=fname, dtype=torch.float32).eval()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    return tok, model, fname
