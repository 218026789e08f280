import Foundation
import Sequitur

/// A toy backend: the CPU reference underneath, counting how often each op runs. It shows the whole `Backend`
/// surface a new backend implements, and lets the example prove which ops a model used.
final class CountingBackend: Backend {
    /// What `BackendRegistry` builds for `backend: counting`.
    static let plugin = BackendPlugin(
        name: "counting", summary: "the CPU backend, counting every op it runs"
    ) { options in
        CountingBackend(threads: options.threads)
    }

    private let base: CPUBackend
    private(set) var calls: [String: Int] = [:]

    init(threads: Int?) { base = CPUBackend(threads: threads) }

    var name: String { "counting(\(base.name))" }
    var allocatedBytes: Int { base.allocatedBytes }

    private func count(_ op: String) { calls[op, default: 0] += 1 }

    func upload(_ weight: WeightTensor) throws -> DeviceTensor { count("upload"); return try base.upload(weight) }
    func makeActivations(rows: Int, columns: Int) throws -> DeviceTensor {
        count("makeActivations")
        return try base.makeActivations(rows: rows, columns: columns)
    }
    func read(_ tensor: DeviceTensor) throws -> [Float] { count("read"); return try base.read(tensor) }
    func write(_ values: [Float], to tensor: DeviceTensor) throws { count("write"); try base.write(values, to: tensor) }
    func embed(tokens: [TokenID], table: DeviceTensor, into out: DeviceTensor) throws {
        count("embed")
        try base.embed(tokens: tokens, table: table, into: out)
    }
    func rmsNorm(_ x: DeviceTensor, weight: DeviceTensor, epsilon: Float, into out: DeviceTensor) throws {
        count("rmsNorm")
        try base.rmsNorm(x, weight: weight, epsilon: epsilon, into: out)
    }
    func matmul(_ x: DeviceTensor, weight: DeviceTensor, into out: DeviceTensor) throws {
        count("matmul")
        try base.matmul(x, weight: weight, into: out)
    }
    func headRMSNorm(_ x: DeviceTensor, weight: DeviceTensor, heads: Int, epsilon: Float, into out: DeviceTensor) throws {
        count("headRMSNorm")
        try base.headRMSNorm(x, weight: weight, heads: heads, epsilon: epsilon, into: out)
    }
    func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int, rotary: RotaryEmbedding) throws {
        count("rope")
        try base.rope(x, positions: positions, heads: heads, headDimension: headDimension, rotary: rotary)
    }
    func addBias(_ x: DeviceTensor, bias: DeviceTensor, into out: DeviceTensor) throws {
        count("addBias")
        try base.addBias(x, bias: bias, into: out)
    }
    func siluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        count("siluMul")
        try base.siluMul(gate: gate, up: up, into: out)
    }
    func geluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        count("geluMul")
        try base.geluMul(gate: gate, up: up, into: out)
    }
    func scale(_ x: DeviceTensor, by factor: Float, into out: DeviceTensor) throws { count("scale"); try base.scale(x, by: factor, into: out) }
    func softCap(_ x: DeviceTensor, cap: Float, into out: DeviceTensor) throws { count("softCap"); try base.softCap(x, cap: cap, into: out) }
    func add(_ a: DeviceTensor, _ b: DeviceTensor, into out: DeviceTensor) throws { count("add"); try base.add(a, b, into: out) }
    func gatherRows(_ x: DeviceTensor, rows: [Int32], into out: DeviceTensor) throws {
        count("gatherRows")
        try base.gatherRows(x, rows: rows, into: out)
    }
    func makeKVCache(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int) throws -> KVCacheStorage {
        count("makeKVCache")
        return try base.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: blockCapacity, kvDimension: kvDimension)
    }
    func growKVCache(_ cache: KVCacheStorage, blockCapacity: Int) throws -> KVCacheStorage {
        count("growKVCache")
        return try base.growKVCache(cache, blockCapacity: blockCapacity)
    }
    func copyKVBlock(_ cache: KVCacheStorage, from source: Int, to destination: Int) throws {
        count("copyKVBlock")
        try base.copyKVBlock(cache, from: source, to: destination)
    }
    func storeKV(keys: DeviceTensor, values: DeviceTensor, layer: Int, slots: [Int32], cache: KVCacheStorage) throws {
        count("storeKV")
        try base.storeKV(keys: keys, values: values, layer: layer, slots: slots, cache: cache)
    }
    func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch, heads: Int, kvHeads: Int,
                   headDimension: Int, scale: Float, into out: DeviceTensor) throws {
        count("attention")
        try base.attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                           headDimension: headDimension, scale: scale, into: out)
    }
    func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch, heads: Int, kvHeads: Int,
                   headDimension: Int, scale: Float, variant: AttentionVariant, into out: DeviceTensor) throws {
        count("attention")
        try base.attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                           headDimension: headDimension, scale: scale, variant: variant, into: out)
    }
    func logSoftmax(_ logits: DeviceTensor, queries: [PositionQuery]) throws -> [PositionLogProbs] {
        count("logSoftmax")
        return try base.logSoftmax(logits, queries: queries)
    }
}
