/// One-block decoders for the quantised GGUF types, transcribed from GGML's `dequantize_row_*` reference
/// functions. The float operations are written in the same order as GGML and gguf-py (no fused multiply-add:
/// Swift does not contract `a * b + c`), so results are bit-identical to theirs.
///
/// Each takes a pointer to one block (`TensorType.blockBytes` bytes, any alignment) and writes
/// `TensorType.blockSize` floats.
enum BlockDequantizers {
    /// The float16 at `offset` bytes past `base`, widened.
    @inline(__always)
    static func half(_ base: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.floatFromHalf(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func byte(_ base: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        base.load(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    static func uint32(_ base: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Q4_0: f16 scale d, 16 bytes of nibbles; element j is low nibble of byte j, element j+16 the high one.
    /// value = d · (q − 8).
    static func q4_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        for j in 0..<16 {
            let q = byte(block, 2 + j)
            out[j] = d * Float(Int(q & 0x0F) - 8)
            out[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }

    /// Q4_1: f16 scale d, f16 minimum m, 16 bytes of nibbles. value = d · q + m.
    static func q4_1(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let m = half(block, 2)
        for j in 0..<16 {
            let q = byte(block, 4 + j)
            out[j] = d * Float(q & 0x0F) + m
            out[j + 16] = d * Float(q >> 4) + m
        }
    }

    /// Q5_0: f16 d, 32 high bits (bit j belongs to element j), 16 bytes of low nibbles. value = d · (q − 16).
    static func q5_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let high = uint32(block, 2)
        for j in 0..<16 {
            let q = byte(block, 6 + j)
            let h0 = Int((high >> UInt32(j)) & 1) << 4
            let h1 = Int((high >> UInt32(j + 16)) & 1) << 4
            out[j] = d * Float((Int(q & 0x0F) | h0) - 16)
            out[j + 16] = d * Float((Int(q >> 4) | h1) - 16)
        }
    }

    /// Q5_1: f16 d, f16 m, 32 high bits, 16 bytes of low nibbles. value = d · q + m.
    static func q5_1(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let m = half(block, 2)
        let high = uint32(block, 4)
        for j in 0..<16 {
            let q = byte(block, 8 + j)
            let h0 = Int((high >> UInt32(j)) & 1) << 4
            let h1 = Int((high >> UInt32(j + 16)) & 1) << 4
            out[j] = d * Float(Int(q & 0x0F) | h0) + m
            out[j + 16] = d * Float(Int(q >> 4) | h1) + m
        }
    }

    /// Q8_0: f16 d, 32 signed bytes. value = q · d.
    static func q8_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        for j in 0..<32 {
            out[j] = Float(Int8(bitPattern: byte(block, 2 + j))) * d
        }
    }

    /// Q2_K: 16 scale bytes (low nibble scale, high nibble min), 64 bytes of 2-bit values, f16 d, f16 dmin.
    static func q2_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 80)
        let dmin = half(block, 82)
        var scaleIndex = 0
        var y = 0
        for half128 in 0..<2 {
            let q = 16 + 32 * half128
            for shift in stride(from: 0, to: 8, by: 2) {
                for part in 0..<2 {
                    let sc = byte(block, scaleIndex)
                    scaleIndex += 1
                    let dl = d * Float(sc & 0x0F)
                    let ml = dmin * Float(sc >> 4)
                    for l in 0..<16 {
                        let v = (byte(block, q + 16 * part + l) >> UInt8(shift)) & 3
                        out[y] = dl * Float(v) - ml
                        y += 1
                    }
                }
            }
        }
    }

    /// Q3_K: 32 bytes of high-bit mask, 64 bytes of 2-bit values, 12 bytes of packed 6-bit scales, f16 d.
    static func q3_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 108)
        let scales = 96
        var y = 0
        var scaleIndex = 0
        var maskBit: UInt8 = 1
        for half128 in 0..<2 {
            let q = 32 + 32 * half128
            for shift in stride(from: 0, to: 8, by: 2) {
                for part in 0..<2 {
                    // 6-bit scale i: low 4 bits from bytes 0-7 (low then high nibbles), high 2 from bytes 8-11.
                    let i = scaleIndex
                    let low = i < 8 ? byte(block, scales + i) & 0x0F : byte(block, scales + i - 8) >> 4
                    let high = (byte(block, scales + 8 + i % 4) >> UInt8(2 * (i / 4))) & 3
                    let scale = Int(low | (high << 4)) - 32
                    scaleIndex += 1
                    let dl = d * Float(scale)
                    for l in 0..<16 {
                        let index = 16 * part + l
                        let v = Int((byte(block, q + index) >> UInt8(shift)) & 3)
                        let offset = byte(block, index) & maskBit != 0 ? 0 : 4
                        out[y] = dl * Float(v - offset)
                        y += 1
                    }
                }
                maskBit <<= 1
            }
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes at `offset`
    /// (GGML's `get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ block: UnsafeRawPointer, _ offset: Int, _ j: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (byte(block, offset + j) & 63, byte(block, offset + j + 4) & 63)
        }
        let scale = (byte(block, offset + j + 4) & 0x0F) | ((byte(block, offset + j - 4) >> 6) << 4)
        let min = (byte(block, offset + j + 4) >> 4) | ((byte(block, offset + j) >> 6) << 4)
        return (scale, min)
    }

    /// Q4_K: f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles in 4 groups of 64 elements.
    static func q4_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let dmin = half(block, 2)
        for group in 0..<4 {
            let (sc1, m1) = scaleMinK4(block, 4, 2 * group)
            let (sc2, m2) = scaleMinK4(block, 4, 2 * group + 1)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            let q = 16 + 32 * group
            let y = out + 64 * group
            for l in 0..<32 {
                let v = byte(block, q + l)
                y[l] = d1 * Float(v & 0x0F) - min1
                y[l + 32] = d2 * Float(v >> 4) - min2
            }
        }
    }

    /// Q5_K: like Q4_K plus 32 bytes of fifth bits (bit g of byte l belongs to element l of sub-block g).
    static func q5_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 0)
        let dmin = half(block, 2)
        for group in 0..<4 {
            let (sc1, m1) = scaleMinK4(block, 4, 2 * group)
            let (sc2, m2) = scaleMinK4(block, 4, 2 * group + 1)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            let q = 48 + 32 * group
            let bit1 = UInt8(1) << UInt8(2 * group)
            let bit2 = UInt8(2) << UInt8(2 * group)
            let y = out + 64 * group
            for l in 0..<32 {
                let v = byte(block, q + l)
                let h = byte(block, 16 + l)
                y[l] = d1 * Float((v & 0x0F) + (h & bit1 != 0 ? 16 : 0)) - min1
                y[l + 32] = d2 * Float((v >> 4) + (h & bit2 != 0 ? 16 : 0)) - min2
            }
        }
    }

    /// Q6_K: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed scales, f16 d.
    /// value = (d · scale) · (q − 32).
    static func q6_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(block, 208)
        for half128 in 0..<2 {
            let ql = 64 * half128
            let qh = 128 + 32 * half128
            let sc = 192 + 8 * half128
            let y = out + 128 * half128
            for l in 0..<32 {
                let s = l / 16
                let low0 = byte(block, ql + l), low32 = byte(block, ql + l + 32)
                let high = byte(block, qh + l)
                let q1 = Int((low0 & 0x0F) | ((high & 3) << 4)) - 32
                let q2 = Int((low32 & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int((low32 >> 4) | (((high >> 6) & 3) << 4)) - 32
                y[l] = d * Float(Int8(bitPattern: byte(block, sc + s))) * Float(q1)
                y[l + 32] = d * Float(Int8(bitPattern: byte(block, sc + s + 2))) * Float(q2)
                y[l + 64] = d * Float(Int8(bitPattern: byte(block, sc + s + 4))) * Float(q3)
                y[l + 96] = d * Float(Int8(bitPattern: byte(block, sc + s + 6))) * Float(q4)
            }
        }
    }
}
