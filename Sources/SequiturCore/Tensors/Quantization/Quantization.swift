/// Conversion of float32 values to GGUF tensor data, bit-exact with gguf-py's `gguf.quants.quantize` (which
/// reproduces GGML's `quantize_row_*_ref` reference quantisers). Used to build test models and fixtures.
public enum Quantization {
    /// The types `quantize` produces.
    public static let supportedTypes: Set<TensorType> = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0]

    public static func isSupported(_ type: TensorType) -> Bool { supportedTypes.contains(type) }

    /// The bytes of `values` stored as `type`. The count must be a whole number of blocks; block types reject
    /// infinities and NaNs (plain float types keep them).
    public static func quantize(_ values: [Float], to type: TensorType) throws -> [UInt8] {
        try values.withUnsafeBufferPointer { try quantize($0, to: type) }
    }

    /// The bytes of `values` stored as `type`.
    public static func quantize(_ values: UnsafeBufferPointer<Float>, to type: TensorType) throws -> [UInt8] {
        guard isSupported(type) else { throw QuantizationError.unsupportedType(type, operation: "quantisation") }
        guard let byteCount = type.byteCount(elements: values.count) else {
            throw QuantizationError.notWholeBlocks(type: type, count: values.count)
        }
        if type.blockSize > 1, let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw QuantizationError.nonFiniteValue(index: bad, value: values[bad])
        }
        var output = [UInt8](repeating: 0, count: byteCount)
        output.withUnsafeMutableBytes { raw in
            guard let out = raw.baseAddress, let input = values.baseAddress else { return }
            switch type {
            case .f32:
                for (i, v) in values.enumerated() {
                    out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
            case .f16:
                for (i, v) in values.enumerated() {
                    out.storeBytes(of: HalfPrecision.halfFromFloat(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            case .bf16:
                for (i, v) in values.enumerated() {
                    out.storeBytes(
                        of: HalfPrecision.bfloat16FromFloat(v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            default:
                let blocks = values.count / type.blockSize
                for b in 0..<blocks {
                    let x = input + b * type.blockSize
                    let block = out + b * type.blockBytes
                    switch type {
                    case .q8_0: BlockQuantizers.q8_0(x, block)
                    case .q4_0: BlockQuantizers.q4_0(x, block)
                    case .q4_1: BlockQuantizers.q4_1(x, block)
                    case .q5_0: BlockQuantizers.q5_0(x, block)
                    case .q5_1: BlockQuantizers.q5_1(x, block)
                    default: preconditionFailure("\(type) is in supportedTypes but has no quantiser")
                    }
                }
            }
        }
        return output
    }
}

/// One-block quantisers, written to round exactly as gguf-py's numpy versions do (float32 throughout, the
/// same operation order, no fused multiply-add).
enum BlockQuantizers {
    @inline(__always)
    static func storeHalf(_ value: Float, _ block: UnsafeMutableRawPointer, _ offset: Int) {
        block.storeBytes(of: HalfPrecision.halfFromFloat(value).littleEndian, toByteOffset: offset, as: UInt16.self)
    }

    /// The element of largest magnitude, with its sign (the first one on ties, like numpy's `argmax`).
    @inline(__always)
    static func signedAbsMax(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var best = x[0]
        for i in 1..<count where abs(x[i]) > abs(best) { best = x[i] }
        return best
    }

    @inline(__always)
    static func minMax(_ x: UnsafePointer<Float>, _ count: Int) -> (min: Float, max: Float) {
        var low = x[0], high = x[0]
        for i in 1..<count {
            low = Swift.min(low, x[i])
            high = Swift.max(high, x[i])
        }
        return (low, high)
    }

    @inline(__always)
    static func inverse(_ d: Float) -> Float { d == 0 ? 0 : 1 / d }

    /// `q` truncated to an integer code in `0...limit` (numpy's `trunc(...).astype(uint8).clip(0, limit)`).
    @inline(__always)
    static func code(_ value: Float, limit: UInt8) -> UInt8 {
        let truncated = value.rounded(.towardZero)
        guard truncated > 0 else { return 0 }
        return truncated >= Float(limit) ? limit : UInt8(truncated)
    }

    /// Round half away from zero, computed as gguf-py's `np_roundf` does it.
    @inline(__always)
    static func roundHalfAway(_ n: Float) -> Float {
        let a = abs(n)
        let floored = a.rounded(.down)
        let b = floored + (2 * (a - floored)).rounded(.down)
        return n > 0 ? b : (n < 0 ? -b : 0)
    }

    static func q8_0(_ x: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for i in 0..<32 { amax = Swift.max(amax, abs(x[i])) }
        let d = amax / 127
        let id = inverse(d)
        storeHalf(d, block, 0)
        for i in 0..<32 {
            let q = roundHalfAway(x[i] * id)
            block.storeBytes(of: Int8(clamping: Int(q)), toByteOffset: 2 + i, as: Int8.self)
        }
    }

    static func q4_0(_ x: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer) {
        let d = signedAbsMax(x, 32) / -8
        let id = inverse(d)
        storeHalf(d, block, 0)
        for j in 0..<16 {
            let q0 = code(x[j] * id + 8.5, limit: 15)
            let q1 = code(x[j + 16] * id + 8.5, limit: 15)
            block.storeBytes(of: q0 | (q1 << 4), toByteOffset: 2 + j, as: UInt8.self)
        }
    }

    static func q4_1(_ x: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer) {
        let (low, high) = minMax(x, 32)
        let d = (high - low) / 15
        let id = inverse(d)
        storeHalf(d, block, 0)
        storeHalf(low, block, 2)
        for j in 0..<16 {
            let q0 = code((x[j] - low) * id + 0.5, limit: 15)
            let q1 = code((x[j + 16] - low) * id + 0.5, limit: 15)
            block.storeBytes(of: q0 | (q1 << 4), toByteOffset: 4 + j, as: UInt8.self)
        }
    }

    /// Stores 32 five-bit codes as Q5's 4 bytes of fifth bits (bit j for element j) then 16 bytes of nibbles.
    @inline(__always)
    static func storeFiveBit(_ codes: (Int) -> UInt8, _ block: UnsafeMutableRawPointer, at offset: Int) {
        var high: UInt32 = 0
        for j in 0..<16 {
            let q0 = codes(j), q1 = codes(j + 16)
            high |= UInt32(q0 >> 4) << UInt32(j)
            high |= UInt32(q1 >> 4) << UInt32(j + 16)
            block.storeBytes(of: (q0 & 0x0F) | (q1 << 4), toByteOffset: offset + 4 + j, as: UInt8.self)
        }
        block.storeBytes(of: high.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    static func q5_0(_ x: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer) {
        let d = signedAbsMax(x, 32) / -16
        let id = inverse(d)
        storeHalf(d, block, 0)
        storeFiveBit({ code(x[$0] * id + 16.5, limit: 31) }, block, at: 2)
    }

    static func q5_1(_ x: UnsafePointer<Float>, _ block: UnsafeMutableRawPointer) {
        let (low, high) = minMax(x, 32)
        let d = (high - low) / 31
        let id = inverse(d)
        storeHalf(d, block, 0)
        storeHalf(low, block, 2)
        storeFiveBit({ code((x[$0] - low) * id + 0.5, limit: 31) }, block, at: 4)
    }
}
