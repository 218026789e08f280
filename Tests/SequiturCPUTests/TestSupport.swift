import SequiturCore
import SequiturCPU

extension SplitMix64 {
    /// Uniform floats in `range`, never all zero.
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// A random weight of `type` with its dequantised values, computed independently of the backend from the
/// GGML block layouts and gguf-py's arithmetic (Q4_1 = d·q + m rounded twice; Q8_0 and Q4_0 = d·q).
struct TestWeight {
    let weight: WeightTensor
    let values: [Float]  // rows × columns, dequantised

    init(type: TensorType, rows: Int, columns: Int, seed: UInt64, name: String = "w") {
        var g = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        var values: [Float] = []
        func appendHalf(_ v: Float) -> Float {
            let h = Float16(v)
            bytes.append(UInt8(h.bitPattern & 0xFF))
            bytes.append(UInt8(h.bitPattern >> 8))
            return Float(h)
        }
        for _ in 0..<rows {
            switch type {
            case .f32:
                for v in g.floats(columns) {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                    values.append(v)
                }
            case .f16:
                for v in g.floats(columns) { values.append(appendHalf(v)) }
            case .bf16:
                for v in g.floats(columns) {
                    let top = UInt16(truncatingIfNeeded: v.bitPattern >> 16)
                    bytes.append(UInt8(top & 0xFF))
                    bytes.append(UInt8(top >> 8))
                    values.append(Float(bitPattern: UInt32(top) << 16))
                }
            case .q8_0:
                for _ in 0..<columns / 32 {
                    let d = appendHalf(Float.random(in: 0.001...0.02, using: &g) * (Bool.random(using: &g) ? 1 : -1))
                    for _ in 0..<32 {
                        let q = Int8.random(in: -127...127, using: &g)
                        bytes.append(UInt8(bitPattern: q))
                        values.append(d * Float(q))
                    }
                }
            case .q4_0, .q4_1:
                for _ in 0..<columns / 32 {
                    let d = appendHalf(Float.random(in: 0.005...0.1, using: &g))
                    let m = type == .q4_1 ? appendHalf(Float.random(in: -0.5...0.1, using: &g)) : 0
                    let nibbles = (0..<32).map { _ in UInt8.random(in: 0...15, using: &g) }
                    for j in 0..<16 { bytes.append(nibbles[j] | nibbles[j + 16] << 4) }
                    for q in nibbles {
                        values.append(type == .q4_1 ? d * Float(q) + m : d * Float(Int(q) - 8))
                    }
                }
            case .q5_0, .q5_1:
                for _ in 0..<columns / 32 {
                    let d = appendHalf(Float.random(in: 0.003...0.05, using: &g))
                    let m = type == .q5_1 ? appendHalf(Float.random(in: -0.8...0.1, using: &g)) : 0
                    let q = (0..<32).map { _ in UInt8.random(in: 0...31, using: &g) }
                    let high = q.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element >> 4) << UInt32($1.offset) }
                    withUnsafeBytes(of: high.littleEndian) { bytes.append(contentsOf: $0) }
                    for j in 0..<16 { bytes.append(q[j] & 0x0F | (q[j + 16] & 0x0F) << 4) }
                    for v in q { values.append(type == .q5_1 ? d * Float(v) + m : d * Float(Int(v) - 16)) }
                }
            case .q5_K:
                for _ in 0..<columns / 256 {
                    let block = Self.randomKBlock(bytes: 176, d: 0.0003...0.001, using: &g)
                    bytes += block
                    // The Swift dequantiser, itself checked against gguf-py (GGUFQuantizationFixtureTests), is the reference.
                    values += block.withUnsafeBytes { try! Dequantization.dequantize(.q5_K, bytes: $0, count: 256) }
                }
            case .q2_K, .q3_K:
                // Random bytes with f16 d (and Q2_K's dmin) set to ordinary scales; the Swift dequantiser, itself
                // checked against gguf-py (GGUFQuantizationFixtureTests), is the reference.
                let size = type.blockBytes, dAt = type == .q2_K ? 80 : 108
                for _ in 0..<columns / 256 {
                    var block = (0..<size).map { _ in UInt8.random(in: 0...255, using: &g) }
                    let d = Float16(Float.random(in: 0.001...0.01, using: &g))
                    block[dAt] = UInt8(d.bitPattern & 0xFF); block[dAt + 1] = UInt8(d.bitPattern >> 8)
                    if type == .q2_K {
                        let dmin = Float16(Float.random(in: 0.001...0.01, using: &g))
                        block[82] = UInt8(dmin.bitPattern & 0xFF); block[83] = UInt8(dmin.bitPattern >> 8)
                    }
                    bytes += block
                    values += block.withUnsafeBytes { try! Dequantization.dequantize(type, bytes: $0, count: 256) }
                }
            case .q4_K:
                for _ in 0..<columns / 256 {
                    let block = Self.randomKBlock(bytes: 144, d: 0.0005...0.002, using: &g)
                    bytes += block
                    values += Self.dequantizeQ4K(block)
                }
            case .q6_K:
                for _ in 0..<columns / 256 {
                    var block = [UInt8](repeating: 0, count: 210)
                    for i in 0..<208 { block[i] = UInt8.random(in: 0...255, using: &g) }
                    let d = Float16(Float.random(in: 0.00005...0.0002, using: &g))
                    block[208] = UInt8(d.bitPattern & 0xFF); block[209] = UInt8(d.bitPattern >> 8)
                    bytes += block
                    values += Self.dequantizeQ6K(block)
                }
            default:
                fatalError("test weights of type \(type) are not built here")
            }
        }
        self.weight = WeightTensor(name: name, type: type, rows: rows, columns: columns, copying: bytes)
        self.values = values
    }
}

extension TestWeight {
    static func half(_ bytes: [UInt8], _ at: Int) -> Float {
        Float(Float16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
    }

    /// A Q4_K or Q5_K block of random bytes with f16 `d` drawn from `d` and `dmin` from 0.0005...0.004, so values
    /// are ordinary floats.
    static func randomKBlock(bytes count: Int, d range: ClosedRange<Float>, using g: inout SplitMix64) -> [UInt8] {
        var block = (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
        let d = Float16(Float.random(in: range, using: &g)), dmin = Float16(Float.random(in: 0.0005...0.004, using: &g))
        block[0] = UInt8(d.bitPattern & 0xFF); block[1] = UInt8(d.bitPattern >> 8)
        block[2] = UInt8(dmin.bitPattern & 0xFF); block[3] = UInt8(dmin.bitPattern >> 8)
        return block
    }

    /// gguf-py's unpacking of the 12 scale bytes of a Q4_K or Q5_K block, as three rows of four (d, m, m_d), into
    /// eight 6-bit scales and mins.
    static func kScalesAndMins(_ block: [UInt8]) -> (scales: [Int], mins: [Int]) {
        let dRow = Array(block[4..<8]), mRow = Array(block[8..<12]), mdRow = Array(block[12..<16])
        let scales = dRow.map { Int($0 & 0x3F) } + (0..<4).map { Int(mdRow[$0] & 0x0F | (dRow[$0] >> 2) & 0x30) }
        let mins = mRow.map { Int($0 & 0x3F) } + (0..<4).map { Int(mdRow[$0] >> 4 | (mRow[$0] >> 2) & 0x30) }
        return (scales, mins)
    }

    /// gguf-py's Q4_K: 12 scale bytes as three rows of four (d, m, m_d) unpacked to eight 6-bit scales and mins;
    /// the 128 quant bytes as four chunks of 32, low nibbles then high nibbles; value = (d·sc)·q − (dmin·m).
    static func dequantizeQ4K(_ block: [UInt8]) -> [Float] {
        let d = half(block, 0), dmin = half(block, 2)
        let (scales, mins) = kScalesAndMins(block)
        var out: [Float] = []
        for sub in 0..<8 {
            let chunk = block[(16 + 32 * (sub / 2))..<(16 + 32 * (sub / 2) + 32)]
            let ds = d * Float(scales[sub]), dm = dmin * Float(mins[sub])
            for byte in chunk {
                let q = sub % 2 == 0 ? byte & 0x0F : byte >> 4
                out.append(ds * Float(q) - dm)
            }
        }
        return out
    }

    /// gguf-py's Q6_K: ql as two halves of 64 bytes (low nibbles, then high nibbles), qh as two halves of 32
    /// bytes (bit pairs 0, 2, 4, 6); q = (ql | qh << 4) − 32; value = (d·scale[i/16])·q.
    static func dequantizeQ6K(_ block: [UInt8]) -> [Float] {
        let d = half(block, 208)
        var out: [Float] = []
        for halfIndex in 0..<2 {
            let ql = Array(block[(64 * halfIndex)..<(64 * halfIndex + 64)])
            let qh = Array(block[(128 + 32 * halfIndex)..<(128 + 32 * halfIndex + 32)])
            var low: [Int] = ql.map { Int($0 & 0x0F) } + ql.map { Int($0 >> 4) }
            var high: [Int] = []
            for shift in [0, 2, 4, 6] { high += qh.map { Int(($0 >> UInt8(shift)) & 0x03) } }
            for i in 0..<128 { low[i] |= high[i] << 4 }
            for i in 0..<128 {
                let scale = Float(Int8(bitPattern: block[192 + (128 * halfIndex + i) / 16]))
                out.append(d * scale * Float(low[i] - 32))
            }
        }
        return out
    }
}

/// Makes an activation tensor whose contents are NaN, so an op that forgets to write an element is caught.
func poisoned(_ backend: CPUBackend, rows: Int, columns: Int) throws -> DeviceTensor {
    try backend.makeActivations(rows: rows, columns: columns, values: [Float](repeating: .nan, count: rows * columns))
}

/// Bitwise equality of float arrays (NaN payloads included).
func bitwiseEqual(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

/// Float32 unit roundoff.
let unitRoundoff = Double(Float.ulpOfOne) / 2
