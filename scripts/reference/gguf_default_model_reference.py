#!/usr/bin/env python3
"""Make Tests/Fixtures/gguf/default_model_reference.json: what gguf-py reads from the default model.

Header facts (version, tensor count, a few metadata values, each tensor's type and shape for a sample),
the first 96 dequantised values of some rows of several tensors (as float32 bit patterns, so the Swift test
compares exactly), and an FNV-1a 64 checksum of the float32 bytes of a block of rows, which covers far more
values than are committed.

Run: /opt/refenv/bin/python scripts/reference/gguf_default_model_reference.py [path/to/model.gguf]
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf.quants import dequantize

NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "gguf" / "default_model_reference.json"

# (tensor, rows to sample, (first row, row count) of the checksummed block)
SAMPLES = [
    ("token_embd.weight", [0, 1000, 49151], (0, 64)),
    ("blk.0.attn_q.weight", [0, 575], (0, 576)),
    ("blk.0.ffn_down.weight", [3], (0, 576)),
    ("blk.29.attn_v.weight", [191], (0, 192)),
    ("blk.0.attn_norm.weight", [0], (0, 1)),
]


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def model_path() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    home = os.environ.get("SEQUITUR_HOME")
    return Path(home) / NAME if home else Path.home() / ".cache" / "sequitur" / NAME


def main() -> None:
    reader = gguf.GGUFReader(str(model_path()))
    tensors = {t.name: t for t in reader.tensors}
    out = {
        "version": int(reader.fields["GGUF.version"].parts[-1][0]),
        "tensor_count": len(reader.tensors),
        "metadata_count": len(reader.fields) - 3,  # GGUF.version, GGUF.tensor_count, GGUF.kv_count are synthetic
        "first_keys": [k for k in reader.fields if not k.startswith("GGUF.")][:5],
        "tensors": [],
    }
    for name, rows, (start, count) in SAMPLES:
        t = tensors[name]
        ne = [int(x) for x in t.shape]
        values = dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32).reshape(-1, ne[0])
        block = np.ascontiguousarray(values[start:start + count]).astype("<f4").tobytes()
        out["tensors"].append({
            "name": name,
            "type": t.tensor_type.name,
            "dimensions": ne,
            "data_offset": int(t.data_offset),
            "rows": [{"row": r, "first_bits": [f"{v:08x}" for v in values[r, :96].view(np.uint32)]} for r in rows],
            "checksum": {"first_row": start, "row_count": count, "fnv1a64": f"{fnv1a64(block):016x}"},
        })
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
