import SequiturCore

/// Activation buffers for one forward pass over `rows` tokens, kept between calls so that a decode loop
/// (the same batch size step after step) allocates nothing on the device per token.
struct LlamaScratch {
    let rows: Int
    /// The residual stream, `rows × d`.
    let x: DeviceTensor
    /// Normalised input of a sub-layer, `rows × d`.
    let normed: DeviceTensor
    let query: DeviceTensor
    let key: DeviceTensor
    let value: DeviceTensor
    let attention: DeviceTensor
    /// Output of a sub-layer's last matmul, added into `x`, `rows × d`.
    let projected: DeviceTensor
    let gate: DeviceTensor
    let up: DeviceTensor
    let activated: DeviceTensor

    init(rows: Int, hyperparameters hp: LlamaHyperparameters, backend: any Backend) throws {
        let d = hp.embeddingLength, q = hp.queryDimension, kv = hp.kvDimension, ffn = hp.feedForwardLength
        self.rows = rows
        x = try backend.makeActivations(rows: rows, columns: d)
        normed = try backend.makeActivations(rows: rows, columns: d)
        query = try backend.makeActivations(rows: rows, columns: q)
        key = try backend.makeActivations(rows: rows, columns: kv)
        value = try backend.makeActivations(rows: rows, columns: kv)
        attention = try backend.makeActivations(rows: rows, columns: q)
        projected = try backend.makeActivations(rows: rows, columns: d)
        gate = try backend.makeActivations(rows: rows, columns: ffn)
        up = try backend.makeActivations(rows: rows, columns: ffn)
        activated = try backend.makeActivations(rows: rows, columns: ffn)
    }
}

/// Buffers for the output head over `rows` queried positions.
struct LlamaHeadScratch {
    let rows: Int
    let gathered: DeviceTensor
    let normed: DeviceTensor
    let logits: DeviceTensor

    init(rows: Int, hyperparameters hp: LlamaHyperparameters, backend: any Backend) throws {
        self.rows = rows
        gathered = try backend.makeActivations(rows: rows, columns: hp.embeddingLength)
        normed = try backend.makeActivations(rows: rows, columns: hp.embeddingLength)
        logits = try backend.makeActivations(rows: rows, columns: hp.vocabularySize)
    }
}

/// A few scratch sets keyed by row count: enough for a decode loop's steady batch size plus the odd prefill,
/// without keeping every size ever seen alive.
struct ScratchCache<Value> {
    private var entries: [(rows: Int, value: Value)] = []
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    mutating func value(rows: Int, make: (Int) throws -> Value) rethrows -> Value {
        if let i = entries.firstIndex(where: { $0.rows == rows }) {
            let entry = entries.remove(at: i)
            entries.append(entry)   // most recently used last
            return entry.value
        }
        let value = try make(rows)
        if entries.count == limit { entries.removeFirst() }
        entries.append((rows, value))
        return value
    }
}
