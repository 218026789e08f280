import SequiturCore

extension OpenCLBackend {
    public func embed(tokens: [TokenID], table: DeviceTensor, into out: DeviceTensor) throws {
        let op = "embed"
        let t = try own(table, op), o = try activation(out, op)
        try expectShape(o, rows: tokens.count, columns: t.columns, op, "out")
        guard OpenCLBackend.weightTypes.contains(t.type) else {
            throw BackendError.unsupportedWeightType(backend: name, tensor: t.name, type: t.type.description)
        }
        for (i, token) in tokens.enumerated() where token < 0 || Int(token) >= t.rows {
            throw BackendError.shapeMismatch(operation: op, detail: "token \(token) at index \(i) is outside table '\(t.name)' of \(t.rows) rows")
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
        try expectShape(w, rows: 1, columns: xt.columns, op, "weight")
        try expectShape(o, rows: xt.rows, columns: xt.columns, op, "out")
        try kernel("rms_norm").launch(
            [.buffer(xt.buffer), .buffer(w.buffer), .buffer(o.buffer), .int(xt.columns), .float(epsilon)],
            global: [xt.rows * 256], local: [256])
    }

    public func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int, ropeDimension: Int,
                     base: Float) throws {
        let op = "rope"
        let xt = try activation(x, op)
        try expectShape(xt, rows: positions.count, columns: heads * headDimension, op, "x")
        try BackendArgumentChecks.ropeDimension(op, ropeDimension, headDimension: headDimension)
        guard !positions.isEmpty else { return }
        for (t, p) in positions.enumerated() where p < 0 {
            throw BackendError.shapeMismatch(operation: op, detail: "position \(p) of token \(t) is negative")
        }
        let table = try ropeTable(ropeDimension: ropeDimension, base: base, positions: Int(positions.max()!) + 1)
        let positionBuffer = try upload(positions, purpose: "positions")
        try kernel("rope").launch(
            [.buffer(xt.buffer), .buffer(positionBuffer), .buffer(table), .int(heads), .int(headDimension), .int(ropeDimension / 2)],
            global: [ropeDimension / 2, heads, positions.count])
    }

    public func siluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        try elementwise("silu_mul", "siluMul", gate, up, out)
    }

    public func add(_ a: DeviceTensor, _ b: DeviceTensor, into out: DeviceTensor) throws {
        try elementwise("add", "add", a, b, out)
    }

    private func elementwise(_ kernelName: String, _ op: String, _ a: DeviceTensor, _ b: DeviceTensor, _ out: DeviceTensor) throws {
        let at = try activation(a, op), bt = try activation(b, op), o = try activation(out, op)
        try expectShape(bt, rows: at.rows, columns: at.columns, op, "second input")
        try expectShape(o, rows: at.rows, columns: at.columns, op, "out")
        let count = at.rows * at.columns
        try kernel(kernelName).launch([.buffer(at.buffer), .buffer(bt.buffer), .buffer(o.buffer), .int(count)],
                                      global: [count], local: [64])
    }

    public func gatherRows(_ x: DeviceTensor, rows: [Int32], into out: DeviceTensor) throws {
        let op = "gatherRows"
        let xt = try activation(x, op), o = try activation(out, op)
        try expectShape(o, rows: rows.count, columns: xt.columns, op, "out")
        for (i, r) in rows.enumerated() where r < 0 || Int(r) >= xt.rows {
            throw BackendError.shapeMismatch(operation: op, detail: "row \(r) at index \(i) is outside x of \(xt.rows) rows")
        }
        guard !rows.isEmpty else { return }
        let rowBuffer = try upload(rows, purpose: "rows")
        try kernel("gather_rows").launch([.buffer(xt.buffer), .buffer(rowBuffer), .buffer(o.buffer), .int(xt.columns)],
                                         global: [xt.columns, rows.count], local: [64, 1])
    }
}
