#!/usr/bin/env python3
"""Make Tests/Fixtures/gguf/quant_fixtures.gguf: gguf-py's (de)quantisation of awkward, fixed-seed data.

For every type T the fixture holds, as tensors written by gguf-py's own GGUFWriter:
  T.input        float32 source values (types gguf-py can quantise)
  T.quantized    the bytes of type T (gguf.quants.quantize of T.input; for K-quants, random bytes with
                 small finite f16 scale fields, since gguf-py has no K-quant quantiser)
  T.dequantized  float32, gguf.quants.dequantize(T.quantized)
plus metadata of every GGUF value type (nested arrays included) so the Swift reader is also checked
against an independent writer. Swift tests compare bit patterns; they never run Python.

Run: /opt/refenv/bin/python scripts/reference/gguf_quant_fixtures.py
"""
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q
from gguf.quants import quantize, dequantize

OUT = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "gguf" / "quant_fixtures.gguf"
rng = np.random.default_rng(20261123)


def special_halves() -> np.ndarray:
    """Values that exercise float16/bfloat16 rounding: ties, subnormals, overflow, signed zero, inf."""
    return np.array([
        0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, 1e10, -1e10, np.inf, -np.inf,
        6e-8, 5.9604645e-08, 2.9802322e-08, 2.98023259e-08, 8.940697e-08, 1e-7, -3e-6, 6.1e-5, 6.103515625e-05,
        1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8, 3.4e38, -1.17549435e-38,
        1e-40, 2049.0, 2051.0, 0.1, np.nan, -np.nan,
    ], dtype=np.float32)


def awkward_blocks(n_blocks: int, block: int) -> np.ndarray:
    """Random blocks plus blocks that hit the quantisers' edge cases (zero scale, ties for argmax, a lone
    large value, a constant block, values that land on .5 after scaling)."""
    x = (rng.standard_normal((n_blocks, block)) * rng.uniform(0.01, 3.0, (n_blocks, 1))).astype(np.float32)
    x[0] = 0.0                                  # all zero: d = 0, id = 0
    x[1] = 0.0
    x[1, 5] = -2.5                              # one value
    x[2] = np.float32(0.75)                     # constant block: max == min
    x[3, 3] = 4.0
    x[3, 20] = -4.0                             # |max| tie: the first wins
    x[4] = np.arange(block, dtype=np.float32) - block / 2  # steps that round on halves
    return x.reshape(-1)


def k_quant_bytes(qtype: Q, n_blocks: int) -> np.ndarray:
    """Random K-quant blocks whose f16 scale fields are small finite values."""
    size = gguf.GGML_QUANT_SIZES[qtype][1]
    raw = rng.integers(0, 256, (n_blocks, size), dtype=np.uint8)
    scale_offsets = {Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}[qtype]
    for off in scale_offsets:
        scales = (rng.uniform(-0.05, 0.05, n_blocks)).astype(np.float16)
        raw[:, off:off + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
    return raw


def main() -> None:
    writer = gguf.GGUFWriter(str(OUT), arch="fixture")
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_uint32("test.u32", 4_000_000_000)
    writer.add_int32("test.i32", -2_000_000_000)
    writer.add_uint64("test.u64", 2 ** 63 + 5)
    writer.add_int64("test.i64", -(2 ** 62))
    writer.add_float32("test.f32", 0.1)
    writer.add_float64("test.f64", -1.0 / 3.0)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo ✓ 🙂")
    writer.add_array("test.strings", ["a", "", "Ġthe", "日本"])
    writer.add_array("test.ints", [1, -2, 3])
    writer.add_array("test.floats", [0.5, -1.25])
    writer.add_array("test.nested", [[1, 2], [3], [4, 5, 6]])

    for qtype in (Q.F32, Q.F16, Q.BF16, Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1):
        if qtype in (Q.F16, Q.BF16, Q.F32):
            data = np.concatenate([special_halves(), awkward_blocks(9, 32)]).astype(np.float32)
            shape = (1, data.size)              # 320 columns
        else:
            data = awkward_blocks(35, 32)   # 35 blocks: 5 rows of 7 blocks (224 columns)
            shape = (5, 224)
        data = data.reshape(shape)
        with np.errstate(over="ignore", invalid="ignore"):
            qbytes = quantize(data, qtype)
        deq = dequantize(qbytes.view(np.uint8), qtype).astype(np.float32)
        name = qtype.name
        writer.add_tensor(f"{name}.input", data)
        writer.add_tensor(f"{name}.quantized", qbytes.view(np.uint8), raw_dtype=qtype)
        writer.add_tensor(f"{name}.dequantized", deq.reshape(shape))

    for qtype in (Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K):
        raw = k_quant_bytes(qtype, 6).reshape(3, -1)   # 3 rows of 2 blocks: 512 columns
        deq = dequantize(raw, qtype).astype(np.float32)
        assert np.all(np.isfinite(deq))
        writer.add_tensor(f"{qtype.name}.quantized", raw, raw_dtype=qtype)
        writer.add_tensor(f"{qtype.name}.dequantized", deq)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
