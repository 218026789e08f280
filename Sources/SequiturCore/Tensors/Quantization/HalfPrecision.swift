/// Exact conversions between float32 and the two 16-bit float formats GGUF uses, by bit manipulation so they
/// behave the same on every platform (Swift's `Float16` is missing on some, and hardware paths differ on NaN
/// payloads).
public enum HalfPrecision {
    /// IEEE binary16 bits to float32. Exact for every input: subnormals, infinities, and NaNs (payload kept).
    @inline(__always)
    public static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F {
            // Infinity or NaN: widen the payload.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2⁻²⁴, which float32 represents exactly.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// float32 to IEEE binary16 bits, rounding to nearest, ties to even (what numpy's `astype(float16)` and
    /// GGML's `GGML_FP32_TO_FP16` do). Overflow gives infinity; NaN stays NaN (quieted, top payload bits kept).
    @inline(__always)
    public static func halfFromFloat(_ value: Float) -> UInt16 {
        var x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x & 0x8000_0000) >> 16)
        x &= 0x7FFF_FFFF
        if x >= 0x7F80_0000 {
            if x == 0x7F80_0000 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: (x >> 13) & 0x03FF)
        }
        if x >= (127 + 16) << 23 {
            // 65520 and above round to infinity.
            return sign | 0x7C00
        }
        if x < (127 - 14) << 23 {
            // Result is subnormal or zero: let the FPU round by adding a magic number whose ulp is 2⁻²⁴.
            let magic = Float(bitPattern: UInt32((127 - 15) + (23 - 10) + 1) << 23)
            let rounded = Float(bitPattern: x) + magic
            return sign | UInt16(truncatingIfNeeded: rounded.bitPattern &- magic.bitPattern)
        }
        // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
        let mantissaOdd = (x >> 13) & 1
        x = x &+ (UInt32(bitPattern: Int32(15 - 127)) << 23) &+ 0x0FFF &+ mantissaOdd
        return sign | UInt16(truncatingIfNeeded: x >> 13)
    }

    /// bfloat16 bits to float32 (exact: bfloat16 is the top half of a float32).
    @inline(__always)
    public static func floatFromBFloat16(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// float32 to bfloat16 bits exactly as GGML's `ggml_compute_fp32_to_bf16` (and gguf-py): NaN becomes a
    /// quiet NaN with its top payload bits, everything else rounds to nearest even (overflow gives infinity).
    @inline(__always)
    public static func bfloat16FromFloat(_ value: Float) -> UInt16 {
        let x = value.bitPattern
        if x & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: x >> 16) | 64
        }
        let rounded = UInt64(x) + 0x7FFF + UInt64((x >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
