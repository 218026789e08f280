import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// embed, rmsNorm, rope, siluMul, add and gatherRows against plain double-precision references.
@Suite struct ElementwiseTests {
    let backend = CPUBackend(threads: 2)

    @Test(arguments: [TensorType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func embedDequantisesExactly(type: TensorType) throws {
        let columns = type.blockSize == 1 ? 33 : type.blockSize == 32 ? 96 : 512
        let table = TestWeight(type: type, rows: 11, columns: columns, seed: 31)
        let tokens: [TokenID] = [3, 0, 10, 3, 7]
        let out = try poisoned(backend, rows: tokens.count, columns: columns)
        try backend.embed(tokens: tokens, table: try backend.upload(table.weight), into: out)
        let want = tokens.flatMap { table.values[Int($0) * columns..<(Int($0) + 1) * columns] }
        // Dequantisation is exact arithmetic on the block values, so equality is exact.
        #expect(bitwiseEqual(try backend.read(out), want))
        #expect(throws: BackendError.self) { try backend.embed(tokens: [11], table: try backend.upload(table.weight), into: out) }
    }

    @Test(arguments: [1, 7, 33, 577, 1537])
    func rmsNormMatchesReference(columns: Int) throws {
        var g = SplitMix64(seed: UInt64(columns))
        let rows = 5, epsilon: Float = 1e-5
        let x = g.floats(rows * columns, in: -3...3), weight = g.floats(columns, in: 0.5...1.5)
        let wt = try backend.makeActivations(rows: 1, columns: columns, values: weight)
        let out = try poisoned(backend, rows: rows, columns: columns)
        try backend.rmsNorm(try backend.makeActivations(rows: rows, columns: columns, values: x), weight: wt, epsilon: epsilon, into: out)
        let got = try backend.read(out)
        for r in 0..<rows {
            let row = x[r * columns..<(r + 1) * columns].map(Double.init)
            let scale = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(columns) + Double(epsilon)).squareRoot()
            for i in 0..<columns {
                let want = Double(weight[i]) * row[i] * scale
                // The sum of squares is within (⌈k/8⌉+3)·u relative (half of that after the square root), then
                // the mean, epsilon, sqrt, divide and two products add ~6u; we allow twice the total.
                let bound = 2 * (Double((columns + 7) / 8 + 3) / 2 + 6) * unitRoundoff
                #expect(abs(Double(got[r * columns + i]) - want) <= bound * abs(want) + 1e-30)
            }
        }
    }

    @Test func ropeRotatesAdjacentPairs() throws {
        let heads = 3, headDimension = 10, ropeDimension = 8, base: Float = 10_000
        let positions: [Int32] = [0, 1, 5, 300, 2047]
        var g = SplitMix64(seed: 5)
        let x = g.floats(positions.count * heads * headDimension)
        let t = try backend.makeActivations(rows: positions.count, columns: heads * headDimension, values: x)
        try backend.rope(t, positions: positions, heads: heads, headDimension: headDimension, ropeDimension: ropeDimension, base: base)
        let got = try backend.read(t)
        for (row, p) in positions.enumerated() {
            for h in 0..<heads {
                let o = row * heads * headDimension + h * headDimension
                for i in 0..<headDimension / 2 {
                    let x0 = Double(x[o + 2 * i]), x1 = Double(x[o + 2 * i + 1])
                    var want0 = x0, want1 = x1
                    if 2 * i < ropeDimension {
                        let angle = Double(p) * pow(Double(base), -2 * Double(i) / Double(ropeDimension))
                        want0 = x0 * cos(angle) - x1 * sin(angle)
                        want1 = x1 * cos(angle) + x0 * sin(angle)
                    }
                    // cos/sin rounded to float (u each) and two rounded products and a sum: 4u of |x|.
                    let tolerance = 4 * unitRoundoff * (abs(x0) + abs(x1)) + 1e-12
                    #expect(abs(Double(got[o + 2 * i]) - want0) <= tolerance, "pos \(p) head \(h) pair \(i)")
                    #expect(abs(Double(got[o + 2 * i + 1]) - want1) <= tolerance, "pos \(p) head \(h) pair \(i)")
                }
            }
        }
    }

    /// NEOX pairs (i, i + d/2), per-pair frequency divisors and linear position scaling, against the angle
    /// computed here in double: `position · scale · base^(-2i/d) / factor[i]`.
    @Test(arguments: [RotaryEmbedding.Pairing.adjacent, .halves])
    func ropeVariantsMatchTheirDefinition(pairing: RotaryEmbedding.Pairing) throws {
        let heads = 3, headDimension = 14, ropeDimension = 10, base: Float = 500_000
        let positions: [Int32] = [0, 1, 6, 299, 4095]
        var g = SplitMix64(seed: 51)
        let factors = g.floats(ropeDimension / 2, in: 1...8)
        let rotary = RotaryEmbedding(dimension: ropeDimension, base: base, pairing: pairing, frequencyFactors: factors,
                                     positionScale: 0.25)
        let x = g.floats(positions.count * heads * headDimension)
        let t = try backend.makeActivations(rows: positions.count, columns: heads * headDimension, values: x)
        try backend.rope(t, positions: positions, heads: heads, headDimension: headDimension, rotary: rotary)
        let got = try backend.read(t)
        for (row, p) in positions.enumerated() {
            for h in 0..<heads {
                let o = row * heads * headDimension + h * headDimension
                var want = x[o..<o + headDimension].map(Double.init)
                for i in 0..<ropeDimension / 2 {
                    let (a, b) = pairing == .adjacent ? (2 * i, 2 * i + 1) : (i, i + ropeDimension / 2)
                    let angle = Double(p) * 0.25 * pow(Double(base), -2 * Double(i) / Double(ropeDimension)) / Double(factors[i])
                    let x0 = Double(x[o + a]), x1 = Double(x[o + b])
                    want[a] = x0 * cos(angle) - x1 * sin(angle)
                    want[b] = x1 * cos(angle) + x0 * sin(angle)
                }
                for j in 0..<headDimension {
                    // Rotated pairs: cos/sin rounded to float and two rounded products and a sum (4u of the
                    // pair's magnitude, bounded by 2); the rest unchanged, bitwise.
                    let tolerance = j < ropeDimension ? 8 * unitRoundoff + 1e-12 : 0
                    #expect(abs(Double(got[o + j]) - want[j]) <= tolerance, "pos \(p) head \(h) element \(j)")
                }
            }
        }
        // Nothing outside the rotated dimensions moved, and factors of 1 with scale 1 are the plain rotation.
        let plain = try backend.makeActivations(rows: positions.count, columns: heads * headDimension, values: x)
        let ones = try backend.makeActivations(rows: positions.count, columns: heads * headDimension, values: x)
        try backend.rope(plain, positions: positions, heads: heads, headDimension: headDimension,
                         rotary: RotaryEmbedding(dimension: ropeDimension, base: base, pairing: pairing))
        try backend.rope(ones, positions: positions, heads: heads, headDimension: headDimension,
                         rotary: RotaryEmbedding(dimension: ropeDimension, base: base, pairing: pairing,
                                                 frequencyFactors: [Float](repeating: 1, count: ropeDimension / 2)))
        #expect(bitwiseEqual(try backend.read(plain), try backend.read(ones)))
        #expect(throws: BackendError.self) {
            try backend.rope(t, positions: positions, heads: heads, headDimension: headDimension,
                             rotary: RotaryEmbedding(dimension: ropeDimension, base: base, frequencyFactors: [1, 2]))
        }
    }

    /// The per-head norm equals `rmsNorm` applied to each head as a row of its own, bitwise, in place or not.
    @Test(arguments: [(1, 64), (5, 128), (3, 33)])
    func headRMSNormIsRMSNormPerHead(heads: Int, headDimension: Int) throws {
        var g = SplitMix64(seed: UInt64(heads * 1000 + headDimension))
        let rows = 7, epsilon: Float = 1e-6
        let x = g.floats(rows * heads * headDimension, in: -4...4), weight = g.floats(headDimension, in: 0.5...1.5)
        let w = try backend.makeActivations(rows: 1, columns: headDimension, values: weight)
        let t = try backend.makeActivations(rows: rows, columns: heads * headDimension, values: x)
        try backend.headRMSNorm(t, weight: w, heads: heads, epsilon: epsilon, into: t)
        let perHead = try poisoned(backend, rows: rows * heads, columns: headDimension)
        try backend.rmsNorm(try backend.makeActivations(rows: rows * heads, columns: headDimension, values: x), weight: w,
                            epsilon: epsilon, into: perHead)
        #expect(bitwiseEqual(try backend.read(t), try backend.read(perHead)))
        #expect(throws: BackendError.self) {
            try backend.headRMSNorm(t, weight: w, heads: heads + 1, epsilon: epsilon, into: t)
        }
    }

    /// One float addition per element: exactly `x + bias` for every row.
    @Test func addBiasAddsTheRowToEveryRow() throws {
        var g = SplitMix64(seed: 77)
        let rows = 9, columns = 577
        let x = g.floats(rows * columns, in: -5...5), bias = g.floats(columns)
        let out = try poisoned(backend, rows: rows, columns: columns)
        try backend.addBias(try backend.makeActivations(rows: rows, columns: columns, values: x),
                            bias: try backend.makeActivations(rows: 1, columns: columns, values: bias), into: out)
        let want = (0..<rows * columns).map { x[$0] + bias[$0 % columns] }
        #expect(bitwiseEqual(try backend.read(out), want))
        #expect(throws: BackendError.self) {
            try backend.addBias(out, bias: try backend.makeActivations(rows: 1, columns: columns - 1, values: Array(bias.dropLast())), into: out)
        }
    }

    /// Gates over the whole range that matters (and past exp's overflow at ±88), on both kernel paths.
    @Test func siluMulAndAdd() throws {
        var g = SplitMix64(seed: 9)
        let rows = 7, columns = 577
        var gate = g.floats(rows * columns, in: -30...30)
        gate[0...5] = [-100, -88.5, -87.2, 87.5, 88.5, 100]
        let up = g.floats(rows * columns)
        var results: [[Float]] = []
        for simd in [true, false] {
            let backend = CPUBackend(threads: 2, kernels: simd ? .widestSupported : .portable)
            let gt = try backend.makeActivations(rows: rows, columns: columns, values: gate)
            let ut = try backend.makeActivations(rows: rows, columns: columns, values: up)
            let out = try poisoned(backend, rows: rows, columns: columns)
            try backend.siluMul(gate: gt, up: ut, into: out)
            let got = try backend.read(out)
            results.append(got)
            for (i, v) in got.enumerated() {
                let want = Double(gate[i]) / (1 + exp(-Double(gate[i]))) * Double(up[i])
                // exp within 2 ulp, then an add, a divide and a multiply: 6u relative; 8u allowed. For gates below
                // -87 exp(-g) overflows to inf and the result is -0, against a true value under 1e-35.
                #expect(abs(Double(v) - want) <= 8 * unitRoundoff * abs(want) + 1e-35, "element \(i): gate \(gate[i]) simd=\(simd)")
            }
            // add, with the output aliasing the first input.
            try backend.add(gt, ut, into: gt)
            #expect(bitwiseEqual(try backend.read(gt), zip(gate, up).map { $0 + $1 }))
        }
        #expect(bitwiseEqual(results[0], results[1]))
    }

    /// GeGLU against the double-precision formula, over gates where tanh saturates (|g| > 10) and where the
    /// cubic term dominates.
    @Test func geluMulMatchesTheTanhFormula() throws {
        var g = SplitMix64(seed: 11)
        let rows = 3, columns = 1537
        var gate = g.floats(rows * columns, in: -12...12)
        gate[0...4] = [-100, -0.0, 0, 1e-20, 100]
        let up = g.floats(rows * columns, in: -3...3)
        let gt = try backend.makeActivations(rows: rows, columns: columns, values: gate)
        let ut = try backend.makeActivations(rows: rows, columns: columns, values: up)
        let out = try poisoned(backend, rows: rows, columns: columns)
        try backend.geluMul(gate: gt, up: ut, into: out)
        for (i, v) in try backend.read(out).enumerated() {
            let x = Double(gate[i])
            let want = 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) * Double(up[i])
            // The inner sum loses up to |x|·u to cancellation near tanh's steep part; 1 + tanh loses more where
            // tanh is near -1 (x ≪ 0), where the product is tiny: an absolute floor covers that.
            #expect(abs(Double(v) - want) <= 16 * unitRoundoff * abs(want) + 1e-6, "element \(i): gate \(gate[i])")
        }
        #expect(throws: BackendError.self) {
            try backend.geluMul(gate: gt, up: try backend.makeActivations(rows: 1, columns: columns, values: Array(up.prefix(columns))), into: out)
        }
    }

    /// Scale is one multiplication (exact agreement); the soft cap is within a few ulp of cap·tanh(x/cap),
    /// bends values past the cap and keeps small ones nearly linear; both may write in place; bad constants
    /// are refused.
    @Test func scaleAndSoftCap() throws {
        var g = SplitMix64(seed: 12)
        let x = g.floats(5 * 577, in: -90...90)
        let xt = try backend.makeActivations(rows: 5, columns: 577, values: x)
        let out = try poisoned(backend, rows: 5, columns: 577)
        try backend.scale(xt, by: Float(576).squareRoot(), into: out)
        #expect(bitwiseEqual(try backend.read(out), x.map { $0 * Float(576).squareRoot() }))
        try backend.softCap(xt, cap: 30, into: xt)
        let capped = try backend.read(xt)
        for (i, v) in capped.enumerated() {
            let want = 30 * tanh(Double(x[i]) / 30)
            #expect(abs(Double(v) - want) <= 8 * unitRoundoff * abs(want) + 1e-30, "element \(i): \(x[i])")
            #expect(abs(v) < 30)
        }
        #expect(throws: BackendError.self) { try backend.softCap(xt, cap: 0, into: out) }
        #expect(throws: BackendError.self) { try backend.softCap(xt, cap: .nan, into: out) }
        #expect(throws: BackendError.self) { try backend.scale(xt, by: .infinity, into: out) }
    }

    @Test func gatherRowsPicksRows() throws {
        var g = SplitMix64(seed: 10)
        let x = g.floats(6 * 7)
        let xt = try backend.makeActivations(rows: 6, columns: 7, values: x)
        let out = try poisoned(backend, rows: 3, columns: 7)
        try backend.gatherRows(xt, rows: [5, 0, 5], into: out)
        #expect(bitwiseEqual(try backend.read(out), Array(x[35..<42] + x[0..<7] + x[35..<42])))
        #expect(throws: BackendError.self) { try backend.gatherRows(xt, rows: [6, 0, 1], into: out) }
    }
}
