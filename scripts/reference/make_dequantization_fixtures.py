#!/usr/bin/env python3
"""Writes Tests/Fixtures/dequantization/ggufpy_blocks.json: random weight blocks of each type the CPU backend
supports, with gguf-py's dequantised float32 values (what transformers multiplies by when it loads a GGUF).

The CPU backend must reproduce these bit for bit. Run: /work/ref/venv/bin/python (gguf==0.19.0, numpy) scripts/reference/make_dequantization_fixtures.py
"""
import importlib.metadata
import json
import pathlib

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

# (type, block bytes, block elements, {byte offset: (low, high) range of that byte}) — the ranges keep the f16
# scales moderate so values are ordinary floats, everything else is uniform random bytes.
SPECS = [
    (T.F16, 2, 1, {1: (0x00, 0x7B)}),
    (T.BF16, 2, 1, {}),
    (T.Q4_0, 18, 32, {1: (0x10, 0x28)}),
    (T.Q4_1, 20, 32, {1: (0x10, 0x28), 3: (0x90, 0xA8)}),  # negative minimums, as real Q4_1 has
    (T.Q8_0, 34, 32, {1: (0x10, 0x28)}),
    (T.Q4_K, 144, 256, {1: (0x10, 0x28), 3: (0x10, 0x28)}),
    (T.Q6_K, 210, 256, {209: (0x10, 0x28)}),
    # Appended after the first seven so their bytes (drawn first from the same generator) stay as committed.
    (T.Q5_0, 22, 32, {1: (0x10, 0x28)}),
    (T.Q5_1, 24, 32, {1: (0x10, 0x28), 3: (0x90, 0xA8)}),
    (T.Q5_K, 176, 256, {1: (0x10, 0x28), 3: (0x10, 0x28)}),
    # Appended after the first ten, for the same reason.
    (T.Q2_K, 84, 256, {81: (0x10, 0x28), 83: (0x10, 0x28)}),
    (T.Q3_K, 110, 256, {109: (0x10, 0x28)}),
]
ELEMENTS = 512

rng = np.random.default_rng(20261123)
cases = []
for qtype, block_bytes, block_elements, ranges in SPECS:
    blocks = ELEMENTS // block_elements
    raw = rng.integers(0, 256, size=(blocks, block_bytes), dtype=np.uint8)
    for offset, (low, high) in ranges.items():
        raw[:, offset] = rng.integers(low, high, size=blocks)
    raw = raw.reshape(-1)
    values = dequantize(raw, qtype).astype(np.float32).reshape(-1)
    cases.append({
        "type": qtype.name,
        "elements": ELEMENTS,
        "bytesHex": raw.tobytes().hex(),
        "valueBits": [int(v) for v in values.view(np.uint32)],
    })

out = pathlib.Path(__file__).resolve().parents[2] / "Tests/Fixtures/dequantization/ggufpy_blocks.json"
out.write_text(json.dumps({"generator": "gguf-py " + importlib.metadata.version("gguf"), "cases": cases}) + "\n")
print(f"wrote {out} ({out.stat().st_size} bytes)")
