import SequiturCore
import SequiturCPU

/// The CPU backend with one op made slightly wrong: what a kernel check must catch. Every op but `faulty`
/// forwards unchanged, so the check must fail exactly the checks of that op.
final class PerturbedBackend: Backend {
    enum Fault { case matmul, rmsNorm, attention, logSoftmax }

    let base = CPUBackend(threads: 1)
    let fault: Fault
    init(_ fault: Fault) { self.fault = fault }

    var name: String { "perturbed-\(fault)" }
    var allocatedBytes: Int { base.allocatedBytes }

    /// Adds 1e-3 to the first element of `out`: far above every tolerance, small enough to look plausible.
    private func nudge(_ out: DeviceTensor) throws {
        var values = try base.read(out)
        values[0] += 1e-3
        try base.write(values, to: out)
    }

    func upload(_ weight: WeightTensor) throws -> DeviceTensor { try base.upload(weight) }
    func makeActivations(rows: Int, columns: Int) throws -> DeviceTensor { try base.makeActivations(rows: rows, columns: columns) }
    func read(_ tensor: DeviceTensor) throws -> [Float] { try base.read(tensor) }
    func write(_ values: [Float], to tensor: DeviceTensor) throws { try base.write(values, to: tensor) }
    func embed(tokens: [TokenID], table: DeviceTensor, into out: DeviceTensor) throws {
        try base.embed(tokens: tokens, table: table, into: out)
    }
    func rmsNorm(_ x: DeviceTensor, weight: DeviceTensor, epsilon: Float, into out: DeviceTensor) throws {
        try base.rmsNorm(x, weight: weight, epsilon: epsilon, into: out)
        if fault == .rmsNorm { try nudge(out) }
    }
    func matmul(_ x: DeviceTensor, weight: DeviceTensor, into out: DeviceTensor) throws {
        try base.matmul(x, weight: weight, into: out)
        if fault == .matmul { try nudge(out) }
    }
    func headRMSNorm(_ x: DeviceTensor, weight: DeviceTensor, heads: Int, epsilon: Float, into out: DeviceTensor) throws {
        try base.headRMSNorm(x, weight: weight, heads: heads, epsilon: epsilon, into: out)
    }
    func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int, rotary: RotaryEmbedding) throws {
        try base.rope(x, positions: positions, heads: heads, headDimension: headDimension, rotary: rotary)
    }
    func addBias(_ x: DeviceTensor, bias: DeviceTensor, into out: DeviceTensor) throws {
        try base.addBias(x, bias: bias, into: out)
    }
    func siluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws { try base.siluMul(gate: gate, up: up, into: out) }
    func geluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws { try base.geluMul(gate: gate, up: up, into: out) }
    func scale(_ x: DeviceTensor, by factor: Float, into out: DeviceTensor) throws { try base.scale(x, by: factor, into: out) }
    func softCap(_ x: DeviceTensor, cap: Float, into out: DeviceTensor) throws { try base.softCap(x, cap: cap, into: out) }
    func add(_ a: DeviceTensor, _ b: DeviceTensor, into out: DeviceTensor) throws { try base.add(a, b, into: out) }
    func gatherRows(_ x: DeviceTensor, rows: [Int32], into out: DeviceTensor) throws { try base.gatherRows(x, rows: rows, into: out) }
    func makeKVCache(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int) throws -> KVCacheStorage {
        try base.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: blockCapacity, kvDimension: kvDimension)
    }
    func growKVCache(_ cache: KVCacheStorage, blockCapacity: Int) throws -> KVCacheStorage {
        try base.growKVCache(cache, blockCapacity: blockCapacity)
    }
    func copyKVBlock(_ cache: KVCacheStorage, from source: Int, to destination: Int) throws {
        try base.copyKVBlock(cache, from: source, to: destination)
    }
    func storeKV(keys: DeviceTensor, values: DeviceTensor, layer: Int, slots: [Int32], cache: KVCacheStorage) throws {
        try base.storeKV(keys: keys, values: values, layer: layer, slots: slots, cache: cache)
    }
    func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch, heads: Int, kvHeads: Int,
                   headDimension: Int, scale: Float, into out: DeviceTensor) throws {
        try base.attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                           headDimension: headDimension, scale: scale, into: out)
        if fault == .attention { try nudge(out) }
    }
    func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch, heads: Int, kvHeads: Int,
                   headDimension: Int, scale: Float, variant: AttentionVariant, into out: DeviceTensor) throws {
        try base.attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                           headDimension: headDimension, scale: scale, variant: variant, into: out)
        if fault == .attention { try nudge(out) }
    }
    func logSoftmax(_ logits: DeviceTensor, queries: [PositionQuery]) throws -> [PositionLogProbs] {
        guard fault == .logSoftmax else { return try base.logSoftmax(logits, queries: queries) }
        var values = try base.read(logits)
        // Token 0 of every row made the most likely: small nudges to one logit of a 49,152-wide row vanish in
        // the normaliser, so this fault is large on purpose.
        for row in 0..<logits.rows { values[row * logits.columns] += 20 }
        let shifted = try base.makeActivations(rows: logits.rows, columns: logits.columns, values: values)
        return try base.logSoftmax(shifted, queries: queries)
    }
}
