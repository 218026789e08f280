import CSequiturKernels
import Foundation
import SequiturCore

extension CPUBackend {
    public func embed(tokens: [TokenID], table: DeviceTensor, into out: DeviceTensor) throws {
        let op = "embed"
        let t = try cpu(table, op), o = try activation(out, op)
        try BackendArgumentChecks.embed(op, tokens: tokens, table: t, tableName: t.name, out: o)
        let type = Int32(t.type.rawValue), k = t.columns, simd = simdFlag
        for (i, token) in tokens.enumerated() {
            sq_dequantize_rows(type, t.bytes + Int(token) * t.rowBytes, t.rowBytes, 1, k, o.floats + i * k, k, simd)
        }
    }

    /// Sum of squares in float32 (as transformers' `hidden.pow(2).mean(-1)` does), in a fixed order.
    public func rmsNorm(_ x: DeviceTensor, weight: DeviceTensor, epsilon: Float, into out: DeviceTensor) throws {
        let op = "rmsNorm"
        let xt = try activation(x, op), w = try activation(weight, op), o = try activation(out, op)
        try BackendArgumentChecks.rmsNorm(op, x: xt, weight: w, out: o)
        rmsNormSegments(xt.floats, weight: w.floats, width: xt.columns, count: xt.rows, epsilon: epsilon, into: o.floats)
    }

    public func headRMSNorm(_ x: DeviceTensor, weight: DeviceTensor, heads: Int, epsilon: Float,
                            into out: DeviceTensor) throws {
        let op = "headRMSNorm"
        let xt = try activation(x, op), w = try activation(weight, op), o = try activation(out, op)
        try BackendArgumentChecks.headRMSNorm(op, x: xt, weight: w, heads: heads, out: o)
        rmsNormSegments(xt.floats, weight: w.floats, width: w.columns, count: xt.rows * heads, epsilon: epsilon,
                        into: o.floats)
    }

    /// Normalises `count` consecutive segments of `width` floats, each as `rmsNorm` does a row.
    private func rmsNormSegments(_ xp: UnsafeMutablePointer<Float>, weight wp: UnsafeMutablePointer<Float>, width k: Int,
                                 count: Int, epsilon: Float, into outp: UnsafeMutablePointer<Float>) {
        let simd = simdFlag
        parallelRanges(count: count, chunks: count * k < 32_768 ? 1 : threads) { _, rows in
            for r in rows {
                let row = xp + r * k, dst = outp + r * k
                let meanSquare = sq_dot(row, row, k, simd) / Float(k)
                let scale = 1 / (meanSquare + epsilon).squareRoot()
                // transformers: weight * (x * rsqrt(...)), rounding x·scale first.
                for i in 0..<k { dst[i] = wp[i] * (row[i] * scale) }
            }
        }
    }

    public func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int,
                     rotary: RotaryEmbedding) throws {
        let op = "rope"
        let xt = try activation(x, op)
        try BackendArgumentChecks.rope(op, x: xt, positions: positions, heads: heads, headDimension: headDimension,
                                       rotary: rotary)
        // Angles in double, rounded once to float cos/sin (`RotaryEmbedding.table`): the most accurate choice.
        // A few tables stay cached: Gemma 3 alternates two bases layer by layer.
        let table: RotaryTable
        if let cached = rotaryTables[rotary] {
            table = cached
        } else {
            if rotaryTables.count >= 4 { rotaryTables.removeAll() }
            table = RotaryTable(rotary: rotary)
            rotaryTables[rotary] = table
        }
        table.reserve(positions: Int(positions.max() ?? 0) + 1)
        let pairs = table.pairs, xp = xt.floats, width = xt.columns
        let (step, partner) = rotary.pairing == .adjacent ? (2, 1) : (1, pairs)
        table.values.withUnsafeBufferPointer { angles in
            positions.withUnsafeBufferPointer { pos in
                parallelRanges(count: positions.count, chunks: positions.count < 8 ? 1 : threads) { _, rows in
                    for t in rows {
                        let cs = angles.baseAddress! + Int(pos[t]) * pairs * 2
                        for h in 0..<heads {
                            let v = xp + t * width + h * headDimension
                            for i in 0..<pairs {
                                let a = step * i, b = a + partner
                                let x0 = v[a], x1 = v[b], c = cs[2 * i], s = cs[2 * i + 1]
                                v[a] = x0 * c - x1 * s
                                v[b] = x1 * c + x0 * s
                            }
                        }
                    }
                }
            }
        }
    }

    public func addBias(_ x: DeviceTensor, bias: DeviceTensor, into out: DeviceTensor) throws {
        let op = "addBias"
        let xt = try activation(x, op), b = try activation(bias, op), o = try activation(out, op)
        try BackendArgumentChecks.addBias(op, x: xt, bias: b, out: o)
        let xp = xt.floats, bp = b.floats, outp = o.floats, k = xt.columns
        for r in 0..<xt.rows {
            for i in 0..<k { outp[r * k + i] = xp[r * k + i] + bp[i] }
        }
    }

    /// `silu(g) · u = g / (1 + e^(-g)) · u`, in float32 like transformers' `act_fn(gate) * up` (`sq_silu_mul`).
    public func siluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        let op = "siluMul"
        let g = try activation(gate, op), u = try activation(up, op), o = try activation(out, op)
        try BackendArgumentChecks.elementwise(op, g, u, secondRole: "up", out: o)
        let gp = g.floats, upp = u.floats, outp = o.floats, simd = simdFlag
        parallelRanges(count: g.elementCount, chunks: g.elementCount < 65_536 ? 1 : threads, granularity: 16) { _, range in
            sq_silu_mul(gp + range.lowerBound, upp + range.lowerBound, outp + range.lowerBound, range.count, simd)
        }
    }

    /// `gelu_tanh(g) · u` (`sq_gelu_mul`), in PyTorch's order of operations.
    public func geluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        let op = "geluMul"
        let g = try activation(gate, op), u = try activation(up, op), o = try activation(out, op)
        try BackendArgumentChecks.elementwise(op, g, u, secondRole: "up", out: o)
        let gp = g.floats, upp = u.floats, outp = o.floats
        parallelRanges(count: g.elementCount, chunks: g.elementCount < 65_536 ? 1 : threads, granularity: 16) { _, range in
            sq_gelu_mul(gp + range.lowerBound, upp + range.lowerBound, outp + range.lowerBound, range.count)
        }
    }

    /// One float multiplication per element: every backend gives the same bits.
    public func scale(_ x: DeviceTensor, by factor: Float, into out: DeviceTensor) throws {
        let op = "scale"
        let xt = try activation(x, op), o = try activation(out, op)
        try BackendArgumentChecks.unary(op, xt, constant: factor, name: "factor", positive: false, out: o)
        sq_scale(xt.floats, factor, o.floats, xt.elementCount)
    }

    public func softCap(_ x: DeviceTensor, cap: Float, into out: DeviceTensor) throws {
        let op = "softCap"
        let xt = try activation(x, op), o = try activation(out, op)
        try BackendArgumentChecks.unary(op, xt, constant: cap, name: "cap", positive: true, out: o)
        let xp = xt.floats, outp = o.floats
        parallelRanges(count: xt.elementCount, chunks: xt.elementCount < 65_536 ? 1 : threads, granularity: 16) { _, range in
            sq_soft_cap(xp + range.lowerBound, cap, outp + range.lowerBound, range.count)
        }
    }

    public func add(_ a: DeviceTensor, _ b: DeviceTensor, into out: DeviceTensor) throws {
        let op = "add"
        let at = try activation(a, op), bt = try activation(b, op), o = try activation(out, op)
        try BackendArgumentChecks.elementwise(op, at, bt, secondRole: "b", out: o)
        let ap = at.floats, bp = bt.floats, outp = o.floats
        for i in 0..<at.elementCount { outp[i] = ap[i] + bp[i] }
    }

    public func gatherRows(_ x: DeviceTensor, rows: [Int32], into out: DeviceTensor) throws {
        let op = "gatherRows"
        let xt = try activation(x, op), o = try activation(out, op)
        try BackendArgumentChecks.gatherRows(op, x: xt, rows: rows, out: o)
        let k = xt.columns
        for (i, r) in rows.enumerated() { (o.floats + i * k).update(from: xt.floats + Int(r) * k, count: k) }
    }
}
