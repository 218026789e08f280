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
        let k = xt.columns, xp = xt.floats, wp = w.floats, outp = o.floats, simd = simdFlag
        parallelRanges(count: xt.rows, chunks: xt.rows * k < 32_768 ? 1 : threads) { _, rows in
            for r in rows {
                let row = xp + r * k, dst = outp + r * k
                let meanSquare = sq_dot(row, row, k, simd) / Float(k)
                let scale = 1 / (meanSquare + epsilon).squareRoot()
                // transformers: weight * (x * rsqrt(...)), rounding x·scale first.
                for i in 0..<k { dst[i] = wp[i] * (row[i] * scale) }
            }
        }
    }

    public func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int, ropeDimension: Int,
                     base: Float) throws {
        let op = "rope"
        let xt = try activation(x, op)
        try BackendArgumentChecks.rope(op, x: xt, positions: positions, heads: heads, headDimension: headDimension,
                                       ropeDimension: ropeDimension)
        // Angles in double (pos · base^(-2i/d)), rounded once to float cos/sin: the most accurate choice.
        if rotaryTable?.base != base || rotaryTable?.ropeDimension != ropeDimension {
            rotaryTable = RotaryTable(base: base, ropeDimension: ropeDimension)
        }
        let table = rotaryTable!
        table.reserve(positions: Int(positions.max() ?? 0) + 1)
        let pairs = table.pairs, xp = xt.floats, width = xt.columns
        table.values.withUnsafeBufferPointer { angles in
            positions.withUnsafeBufferPointer { pos in
                parallelRanges(count: positions.count, chunks: positions.count < 8 ? 1 : threads) { _, rows in
                    for t in rows {
                        let cs = angles.baseAddress! + Int(pos[t]) * pairs * 2
                        for h in 0..<heads {
                            let v = xp + t * width + h * headDimension
                            for i in 0..<pairs {
                                let x0 = v[2 * i], x1 = v[2 * i + 1], c = cs[2 * i], s = cs[2 * i + 1]
                                v[2 * i] = x0 * c - x1 * s
                                v[2 * i + 1] = x1 * c + x0 * s
                            }
                        }
                    }
                }
            }
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
