/// The argument checks every `Backend` makes before it touches memory, written once so that every backend
/// refuses the same inputs with the same message. Shape checks on a backend's own tensor types stay with it.
///
/// Each operation's checks run in one call, before anything the backend itself refuses (a weight type or a
/// head dimension it has no kernel for), so a call that is wrong in several ways is refused the same way
/// everywhere.
public enum BackendArgumentChecks {
    /// `tensor` (the operation's `role`) is `rows × columns`.
    public static func shape(_ tensor: DeviceTensor, rows: Int, columns: Int, _ operation: String, _ role: String) throws {
        guard tensor.rows == rows, tensor.columns == columns else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "\(role) is \(tensor.rows)×\(tensor.columns), expected \(rows)×\(columns)")
        }
    }

    /// One output row of the table's width per token, and every token a row of the table.
    public static func embed(_ operation: String, tokens: [TokenID], table: DeviceTensor, tableName: String,
                             out: DeviceTensor) throws {
        try shape(out, rows: tokens.count, columns: table.columns, operation, "out")
        for (i, token) in tokens.enumerated() where token < 0 || Int(token) >= table.rows {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "token \(token) at index \(i) is outside table '\(tableName)' of \(table.rows) rows")
        }
    }

    /// One weight entry per column of `x`, and `out` shaped like `x`.
    public static func rmsNorm(_ operation: String, x: DeviceTensor, weight: DeviceTensor, out: DeviceTensor) throws {
        try shape(weight, rows: 1, columns: x.columns, operation, "weight")
        try shape(out, rows: x.rows, columns: x.columns, operation, "out")
    }

    /// `x` holds `heads` heads of `weight.columns` per row, and `out` is shaped like `x`.
    public static func headRMSNorm(_ operation: String, x: DeviceTensor, weight: DeviceTensor, heads: Int,
                                   out: DeviceTensor) throws {
        guard weight.rows == 1, heads > 0 else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "weight is \(weight.rows)×\(weight.columns) for \(heads) heads; expected one row and a positive head count")
        }
        try shape(x, rows: x.rows, columns: heads * weight.columns, operation, "x")
        try shape(out, rows: x.rows, columns: x.columns, operation, "out")
    }

    /// One bias entry per column of `x`, and `out` shaped like `x`.
    public static func addBias(_ operation: String, x: DeviceTensor, bias: DeviceTensor, out: DeviceTensor) throws {
        try shape(bias, rows: 1, columns: x.columns, operation, "bias")
        try shape(out, rows: x.rows, columns: x.columns, operation, "out")
    }

    /// `x` holds `heads` heads per position, the rotation is well formed and fits each head, and no position is
    /// negative.
    public static func rope(_ operation: String, x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int,
                            rotary: RotaryEmbedding) throws {
        try shape(x, rows: positions.count, columns: heads * headDimension, operation, "x")
        if let problem = rotary.problem(headDimension: headDimension) {
            throw BackendError.shapeMismatch(operation: operation, detail: problem)
        }
        for (t, p) in positions.enumerated() where p < 0 {
            throw BackendError.shapeMismatch(operation: operation, detail: "position \(p) of token \(t) is negative")
        }
    }

    /// An element-by-element operation of two inputs: the second (its `secondRole`) and `out` shaped like `a`.
    public static func elementwise(_ operation: String, _ a: DeviceTensor, _ b: DeviceTensor, secondRole: String,
                                   out: DeviceTensor) throws {
        try shape(b, rows: a.rows, columns: a.columns, operation, secondRole)
        try shape(out, rows: a.rows, columns: a.columns, operation, "out")
    }

    /// `out` shaped like `x`, and the op's constant (`name`) finite: a NaN factor or cap would make every
    /// output garbage without any input being wrong.
    public static func unary(_ operation: String, _ x: DeviceTensor, constant: Float, name: String, positive: Bool,
                             out: DeviceTensor) throws {
        guard constant.isFinite, !positive || constant > 0 else {
            throw BackendError.shapeMismatch(operation: operation,
                                             detail: "\(name) \(constant) must be \(positive ? "positive and " : "")finite")
        }
        try shape(out, rows: x.rows, columns: x.columns, operation, "out")
    }

    /// A variant the kernels can compute (`AttentionVariant.problem`).
    public static func attentionVariant(_ operation: String, _ variant: AttentionVariant) throws {
        if let problem = variant.problem { throw BackendError.shapeMismatch(operation: operation, detail: problem) }
    }

    /// One output row of `x`'s width per index, and every index a row of `x`.
    public static func gatherRows(_ operation: String, x: DeviceTensor, rows: [Int32], out: DeviceTensor) throws {
        try shape(out, rows: rows.count, columns: x.columns, operation, "out")
        for (i, r) in rows.enumerated() where r < 0 || Int(r) >= x.rows {
            throw BackendError.shapeMismatch(operation: operation, detail: "row \(r) at index \(i) is outside x of \(x.rows) rows")
        }
    }

    /// `out = x · weightᵀ`: `x` as wide as the weight, `out` one column per weight row.
    public static func matmul(_ operation: String, x: DeviceTensor, weight: DeviceTensor, weightName: String,
                              out: DeviceTensor) throws {
        guard x.columns == weight.columns else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "x is \(x.rows)×\(x.columns) but weight '\(weightName)' is \(weight.rows)×\(weight.columns)")
        }
        try shape(out, rows: x.rows, columns: weight.rows, operation, "out")
    }

    /// Queries and output of `heads` heads per token, heads that group onto the cache's key/value heads, and a
    /// layer of the cache. The batch's block tables are the backend's to check, as it walks them.
    public static func attention(_ operation: String, queries: DeviceTensor, out: DeviceTensor, tokens: Int, heads: Int,
                                 kvHeads: Int, headDimension: Int, cache: KVCacheStorage, layer: Int) throws {
        try shape(queries, rows: tokens, columns: heads * headDimension, operation, "queries")
        try shape(out, rows: tokens, columns: heads * headDimension, operation, "out")
        try attentionHeads(operation, heads: heads, kvHeads: kvHeads, headDimension: headDimension,
                           kvDimension: cache.kvDimension)
        try self.layer(operation, layer, layerCount: cache.layerCount)
    }

    /// One key row and one value row of the cache's width per slot, a layer of the cache, and slots inside it.
    public static func storeKV(_ operation: String, keys: DeviceTensor, values: DeviceTensor, layer: Int, slots: [Int32],
                               cache: KVCacheStorage) throws {
        try shape(keys, rows: slots.count, columns: cache.kvDimension, operation, "keys")
        try shape(values, rows: slots.count, columns: cache.kvDimension, operation, "values")
        try self.layer(operation, layer, layerCount: cache.layerCount)
        try self.slots(operation, slots, slotCount: cache.slotsPerLayer)
    }

    /// Both blocks of a block copy lie inside the cache.
    public static func blockCopy(_ operation: String, from source: Int, to destination: Int, cache: KVCacheStorage) throws {
        guard (0..<cache.blockCapacity).contains(source), (0..<cache.blockCapacity).contains(destination) else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "blocks \(source) → \(destination) outside a cache of \(cache.blockCapacity) blocks")
        }
    }

    /// A range of whole blocks inside the cache (for filling them, as a kernel check poisons a cache).
    public static func blockRange(_ operation: String, _ blocks: Range<Int>, cache: KVCacheStorage) throws {
        guard blocks.lowerBound >= 0, blocks.upperBound <= cache.blockCapacity else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "blocks \(blocks) outside a cache of \(cache.blockCapacity) blocks")
        }
    }

    /// Heads must divide into key/value heads, and key/value heads of `headDimension` fill the cache rows.
    public static func attentionHeads(_ operation: String, heads: Int, kvHeads: Int, headDimension: Int,
                                      kvDimension: Int) throws {
        guard heads > 0, kvHeads > 0, heads % kvHeads == 0, kvHeads * headDimension == kvDimension else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "\(heads) heads, \(kvHeads) kv heads of \(headDimension) do not fit kv dimension \(kvDimension)")
        }
    }

    public static func layer(_ operation: String, _ layer: Int, layerCount: Int) throws {
        guard (0..<layerCount).contains(layer) else {
            throw BackendError.shapeMismatch(operation: operation, detail: "layer \(layer) outside \(layerCount) layers")
        }
    }

    /// Every token's cache slot exists.
    public static func slots(_ operation: String, _ slots: [Int32], slotCount: Int) throws {
        for (t, slot) in slots.enumerated() where slot < 0 || Int(slot) >= slotCount {
            throw BackendError.shapeMismatch(operation: operation, detail: "slot \(slot) of token \(t) outside \(slotCount) slots")
        }
    }

    /// One query per logits row, each asking for tokens inside the vocabulary and a non-negative top-k.
    public static func logSoftmaxQueries(_ operation: String, _ queries: [PositionQuery], rows: Int, vocabulary: Int) throws {
        guard rows == queries.count, vocabulary > 0 else {
            throw BackendError.shapeMismatch(operation: operation, detail: "\(rows)×\(vocabulary) logits for \(queries.count) queries")
        }
        for (i, query) in queries.enumerated() {
            if let bad = query.targets.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
                throw BackendError.shapeMismatch(operation: operation,
                    detail: "query \(i) asks for token \(bad) outside the vocabulary of \(vocabulary)")
            }
            guard query.topK >= 0 else {
                throw BackendError.shapeMismatch(operation: operation, detail: "query \(i) asks for top \(query.topK)")
            }
        }
    }
}
