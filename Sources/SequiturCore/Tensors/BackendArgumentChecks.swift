/// The argument checks every `Backend` makes before it touches memory, written once so that every backend
/// refuses the same inputs with the same message. Shape checks on a backend's own tensor types stay with it.
public enum BackendArgumentChecks {
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

    /// Rotary embeddings turn pairs of the first `ropeDimension` entries of each head.
    public static func ropeDimension(_ operation: String, _ ropeDimension: Int, headDimension: Int) throws {
        guard ropeDimension % 2 == 0, ropeDimension <= headDimension, ropeDimension > 0 else {
            throw BackendError.shapeMismatch(operation: operation,
                detail: "rope dimension \(ropeDimension) must be even and at most the head dimension \(headDimension)")
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
