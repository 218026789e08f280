"""Anchor figures for `sequitur bench`: llama.cpp and transformers on the same GGUF, same machine, same threads.

Writes one JSON object (to --output, default stdout) with, for each engine that is installed:
  scoring_tokens_per_s   prompt processing / forward pass over 8 requests x 512 tokens
  decode_tokens_per_s    greedy decoding at batch 1: 128 tokens after a 32-token prompt
  beam4_steps_per_s      (transformers only) beam search, 4 beams, 32 new tokens

Set up:
  pip install llama-cpp-python==0.3.36            # builds llama.cpp from source (~5-15 minutes)
  pip install -r scripts/reference/requirements.txt

Build llama.cpp for the machine, never natively on Intel hosts (a native build emits AMX and dies with SIGILL):
  where the CPU has AVX-512 (lscpu shows avx512f):
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON
      -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF" pip install ...
  where it has AVX2 only:
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" pip install ...
  (add --force-reinstall --no-deps --no-cache-dir to rebuild). The torch CPU wheel is in pip's find-links
  folder: pip install "$PIP_FIND_LINKS"/torch-*+cpu-*.whl
Run:
  HF_HUB_OFFLINE=1 python scripts/bench/anchors.py --threads 2 --output anchors.json

Compare only with `sequitur bench` figures taken in the same session on the same machine: the shared 2-core
machines are noisy, so the ratios are what count.
"""
import argparse
import json
import os
import sys
import time

MODEL = os.path.join(os.environ.get("SEQUITUR_HOME", os.path.expanduser("~/.cache/sequitur")),
                     "SmolLM2-135M-Instruct.Q4_1.gguf")


def tokens(n, seed):
    """Deterministic token ids in a plain-text range of the vocabulary (the same for every engine)."""
    x = seed
    out = []
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out.append(1000 + (x >> 33) % 20000)
    return out


def bench_llama_cpp(threads, model):
    from llama_cpp import Llama
    import numpy as np
    llm = Llama(model_path=model, n_threads=threads, n_threads_batch=threads, n_ctx=1024, n_batch=512,
                logits_all=False, verbose=False)
    result = {"engine": "llama.cpp (llama-cpp-python 0.3.36)", "threads": threads}
    # Scoring: prompt processing of 8 requests x 512 tokens (one warm-up request first).
    llm.reset(); llm.eval(tokens(512, 99))
    t = time.perf_counter()
    for r in range(8):
        llm.reset()
        llm.eval(tokens(512, r))
    result["scoring_tokens_per_s"] = 8 * 512 / (time.perf_counter() - t)
    # Decode: 128 greedy tokens after a 32-token prompt.
    llm.reset(); llm.eval(tokens(32, 7))
    t = time.perf_counter()
    for _ in range(128):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        llm.eval([nxt])
    result["decode_tokens_per_s"] = 128 / (time.perf_counter() - t)
    return result


def bench_transformers(threads, model):
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(threads)
    m = AutoModelForCausalLM.from_pretrained(os.path.dirname(model), gguf_file=os.path.basename(model),
                                             torch_dtype=torch.float32)
    m.eval()
    result = {"engine": "transformers float32", "threads": threads, "torch": torch.__version__}
    with torch.no_grad():
        m(torch.tensor([tokens(512, 99)]))
        t = time.perf_counter()
        for r in range(8):
            m(torch.tensor([tokens(512, r)]))
        result["scoring_tokens_per_s"] = 8 * 512 / (time.perf_counter() - t)
        prompt = torch.tensor([tokens(32, 7)])
        t = time.perf_counter()
        out = m.generate(prompt, max_new_tokens=128, min_new_tokens=128, do_sample=False, num_beams=1)
        result["decode_tokens_per_s"] = (out.shape[1] - 32) / (time.perf_counter() - t)
        t = time.perf_counter()
        out = m.generate(prompt, max_new_tokens=32, min_new_tokens=32, do_sample=False, num_beams=4)
        result["beam4_steps_per_s"] = 32 / (time.perf_counter() - t)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--model", default=MODEL)
    p.add_argument("--output")
    p.add_argument("--only", choices=["llama.cpp", "transformers"])
    a = p.parse_args()
    results = []
    for name, fn in (("llama.cpp", bench_llama_cpp), ("transformers", bench_transformers)):
        if a.only and a.only != name:
            continue
        try:
            results.append(fn(a.threads, a.model))
        except ImportError as e:
            print(f"skipping {name}: {e}", file=sys.stderr)
    text = json.dumps({"anchors": results}, indent=2)
    if a.output:
        with open(a.output + ".part", "w") as f:
            f.write(text + "\n")
        os.replace(a.output + ".part", a.output)
    print(text)


if __name__ == "__main__":
    main()
