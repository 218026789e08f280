import SequiturCore

extension OpenCLBackend {
    public func embed(tokens: [TokenID], table: DeviceTensor, into out: DeviceTensor) throws {
        let op = "embed"
        let t = try own(table, op), o = try activation(out, op)
        try BackendArgumentChecks.embed(op, tokens: tokens, table: t, tableName: t.name, out: o)
        guard OpenCLBackend.weightTypes.contains(t.type) else {
            throw BackendError.unsupportedWeightType(backend: name, tensor: t.name, type: t.type.description)
        }
        guard !tokens.isEmpty else { return }
        let ids = try upload(tokens, purpose: "tokens")
        try kernel("embedding").launch(
            [.buffer(t.buffer), .buffer(ids), .buffer(o.buffer), .int(Int(t.type.rawValue)), .int(t.columns), .int(t.rowBytes)],
            global: [t.columns, tokens.count], local: [64, 1])
    }

    public func rmsNorm(_ x: DeviceTensor, weight: DeviceTensor, epsilon: Float, into out: DeviceTensor) throws {
        let op = "rmsNorm"
        let xt = try activation(x, op), w = try activation(weight, op), o = try activation(out, op)
        try BackendArgumentChecks.rmsNorm(op, x: xt, weight: w, out: o)
        try kernel("rms_norm").launch(
            [.buffer(xt.buffer), .buffer(w.buffer), .buffer(o.buffer), .int(xt.columns), .float(epsilon)],
            global: [xt.rows * 256], local: [256])
    }

    public func headRMSNorm(_ x: DeviceTensor, weight: DeviceTensor, heads: Int, epsilon: Float,
                            into out: DeviceTensor) throws {
        let op = "headRMSNorm"
        let xt = try activation(x, op), w = try activation(weight, op), o = try activation(out, op)
        try BackendArgumentChecks.headRMSNorm(op, x: xt, weight: w, heads: heads, out: o)
        // The rows' heads are consecutive segments of the buffer: one work-group per segment.
        try kernel("rms_norm").launch(
            [.buffer(xt.buffer), .buffer(w.buffer), .buffer(o.buffer), .int(w.columns), .float(epsilon)],
            global: [xt.rows * heads * 256], local: [256])
    }

    public func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int,
                     rotary: RotaryEmbedding) throws {
        let op = "rope"
        let xt = try activation(x, op)
        try BackendArgumentChecks.rope(op, x: xt, positions: positions, heads: heads, headDimension: headDimension,
                                       rotary: rotary)
        guard !positions.isEmpty else { return }
        let table = try ropeTable(rotary, positions: Int(positions.max()!) + 1)
        let positionBuffer = try upload(positions, purpose: "positions")
        let (step, partner) = rotary.pairing == .adjacent ? (2, 1) : (1, rotary.pairs)
        try kernel("rope").launch(
            [.buffer(xt.buffer), .buffer(positionBuffer), .buffer(table), .int(heads), .int(headDimension),
             .int(rotary.pairs), .int(step), .int(partner)],
            global: [rotary.pairs, heads, positions.count])
    }

    public func addBias(_ x: DeviceTensor, bias: DeviceTensor, into out: DeviceTensor) throws {
        let op = "addBias"
        let xt = try activation(x, op), b = try activation(bias, op), o = try activation(out, op)
        try BackendArgumentChecks.addBias(op, x: xt, bias: b, out: o)
        let count = xt.rows * xt.columns
        try kernel("add_bias").launch(
            [.buffer(xt.buffer), .buffer(b.buffer), .buffer(o.buffer), .int(xt.columns), .int(count)],
            global: [count], local: [64])
    }

    public func siluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        try elementwise("silu_mul", "siluMul", gate, up, secondRole: "up", out)
    }

    public func geluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        try elementwise("gelu_mul", "geluMul", gate, up, secondRole: "up", out)
    }

    public func scale(_ x: DeviceTensor, by factor: Float, into out: DeviceTensor) throws {
        try unary("scale", "scale", x, constant: factor, name: "factor", positive: false, out)
    }

    public func softCap(_ x: DeviceTensor, cap: Float, into out: DeviceTensor) throws {
        try unary("soft_cap", "softCap", x, constant: cap, name: "cap", positive: true, out)
    }

    private func unary(_ kernelName: String, _ op: String, _ x: DeviceTensor, constant: Float, name: String,
                       positive: Bool, _ out: DeviceTensor) throws {
        let xt = try activation(x, op), o = try activation(out, op)
        try BackendArgumentChecks.unary(op, xt, constant: constant, name: name, positive: positive, out: o)
        let count = xt.rows * xt.columns
        guard count > 0 else { return }
        try kernel(kernelName).launch([.buffer(xt.buffer), .buffer(o.buffer), .float(constant), .int(count)],
                                      global: [count], local: [64])
    }

    public func add(_ a: DeviceTensor, _ b: DeviceTensor, into out: DeviceTensor) throws {
        try elementwise("add", "add", a, b, secondRole: "b", out)
    }

    private func elementwise(_ kernelName: String, _ op: String, _ a: DeviceTensor, _ b: DeviceTensor, secondRole: String,
                             _ out: DeviceTensor) throws {
        let at = try activation(a, op), bt = try activation(b, op), o = try activation(out, op)
        try BackendArgumentChecks.elementwise(op, at, bt, secondRole: secondRole, out: o)
        let count = at.rows * at.columns
        try kernel(kernelName).launch([.buffer(at.buffer), .buffer(bt.buffer), .buffer(o.buffer), .int(count)],
                                      global: [count], local: [64])
    }

    public func gatherRows(_ x: DeviceTensor, rows: [Int32], into out: DeviceTensor) throws {
        let op = "gatherRows"
        let xt = try activation(x, op), o = try activation(out, op)
        try BackendArgumentChecks.gatherRows(op, x: xt, rows: rows, out: o)
        guard !rows.isEmpty else { return }
        let rowBuffer = try upload(rows, purpose: "rows")
        try kernel("gather_rows").launch([.buffer(xt.buffer), .buffer(rowBuffer), .buffer(o.buffer), .int(xt.columns)],
                                         global: [xt.columns, rows.count], local: [64, 1])
    }
}
