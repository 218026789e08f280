/// A compute backend: owns device memory and runs the ops a llama-style transformer needs.
///
/// The model describes *what* to compute; the backend decides *how* (ggml's split). No model code branches
/// on which backend it runs on. `CPUBackend` is the reference every other backend is tested against.
///
/// A forward step over a batch of new tokens reads like this:
///
/// ```swift
/// backend.embed(tokens: ids, table: tokenEmbedding, into: x)              // x: tokens × d
/// backend.rmsNorm(x, weight: attnNorm, epsilon: eps, into: h)
/// backend.matmul(h, weight: wq, into: q)                                  // q = h · Wqᵀ
/// backend.rope(q, positions: batch.tokenPosition, heads: nHead, headDimension: hd, ropeDimension: hd, base: theta)
/// backend.storeKV(keys: k, values: v, layer: l, slots: batch.tokenSlot, cache: cache)
/// backend.attention(queries: q, cache: cache, layer: l, batch: batch, heads: nHead, kvHeads: nKV,
///                   headDimension: hd, scale: 1 / sqrt(Float(hd)), into: a)
/// ...
/// let answers = try backend.logSoftmax(logits, queries: queries)        // only what was asked leaves the device
/// ```
///
/// Activation tensors are float32 `rows × columns`. An op's output may not alias its inputs unless the op
/// says so. Every op computes each output row from that row's inputs alone, with a reduction order that does
/// not depend on how many rows are in the batch or how work is split across threads: a sequence's results are
/// bitwise the same whatever batch it is in.
public protocol Backend: AnyObject {
    /// A short name for logs and benchmark files ("cpu", "opencl:NVIDIA H100 80GB HBM3").
    var name: String { get }

    /// Makes a weight available to the ops, once. Quantised weights stay quantised.
    func upload(_ weight: WeightTensor) throws -> DeviceTensor
    /// A float32 activation matrix with undefined contents.
    func makeActivations(rows: Int, columns: Int) throws -> DeviceTensor
    /// A float32 matrix holding `values` (row-major, `rows × columns` of them).
    func makeActivations(rows: Int, columns: Int, values: [Float]) throws -> DeviceTensor
    /// Copies a float32 tensor's contents to the host, row-major.
    func read(_ tensor: DeviceTensor) throws -> [Float]
    /// Overwrites a float32 tensor with `values` (row-major, `rows × columns` of them).
    func write(_ values: [Float], to tensor: DeviceTensor) throws

    /// `out[t] = table[tokens[t]]`, dequantised to float32.
    func embed(tokens: [TokenID], table: DeviceTensor, into out: DeviceTensor) throws
    /// `out[r] = x[r] / sqrt(mean(x[r]²) + epsilon) * weight`.
    func rmsNorm(_ x: DeviceTensor, weight: DeviceTensor, epsilon: Float, into out: DeviceTensor) throws
    /// `out = x · weightᵀ`: `x` is `n × k` float32, `weight` is `m × k` in any supported type, `out` is `n × m`.
    func matmul(_ x: DeviceTensor, weight: DeviceTensor, into out: DeviceTensor) throws
    /// `out[r] = x[r] / sqrt(mean(x[r]²) + epsilon) * weight` for each of the `heads` segments of
    /// `weight.columns` in each row of `x` (Qwen 3's and Gemma 3's per-head query and key norms);
    /// `x.columns == heads · weight.columns`. `out` may be `x`.
    func headRMSNorm(_ x: DeviceTensor, weight: DeviceTensor, heads: Int, epsilon: Float, into out: DeviceTensor) throws
    /// Rotates, in place, the first `rotary.dimension` dimensions of each head of `x`
    /// (`tokens × heads·headDimension`) by `rotary`'s angle for each token's position.
    func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int, rotary: RotaryEmbedding) throws
    /// `out[r] = x[r] + bias` for every row (`bias` is `1 × x.columns`); `out` may be `x`.
    func addBias(_ x: DeviceTensor, bias: DeviceTensor, into out: DeviceTensor) throws
    /// `out = silu(gate) * up`, element-wise.
    func siluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws
    /// `out = a + b`, element-wise; `out` may be `a`.
    func add(_ a: DeviceTensor, _ b: DeviceTensor, into out: DeviceTensor) throws
    /// `out[i] = x[rows[i]]`: picks the rows whose next-token distribution is wanted before the output head.
    func gatherRows(_ x: DeviceTensor, rows: [Int32], into out: DeviceTensor) throws

    /// A key/value cache with room for `blockCapacity` blocks of `blockSize` tokens in each of `layers` layers.
    func makeKVCache(layers: Int, blockSize: Int, blockCapacity: Int, kvDimension: Int) throws -> KVCacheStorage
    /// A larger cache holding the same contents in the same block numbers. The argument is consumed: use only
    /// the result from then on (a backend may grow the cache in place and return it, or release the old one).
    func growKVCache(_ cache: KVCacheStorage, blockCapacity: Int) throws -> KVCacheStorage
    /// Copies block `source` to block `destination` in every layer (copy-on-write of a shared partial block).
    func copyKVBlock(_ cache: KVCacheStorage, from source: Int, to destination: Int) throws
    /// Writes key row `t` and value row `t` of layer `layer` to slot `slots[t]`.
    func storeKV(keys: DeviceTensor, values: DeviceTensor, layer: Int, slots: [Int32], cache: KVCacheStorage) throws
    /// Causal grouped-query attention of each new token over its own sequence's cached keys and values
    /// (written by `storeKV` for this step already). Query head `h` reads key/value head `h / (heads / kvHeads)`.
    /// `queries` and `out` are `tokens × heads·headDimension`.
    func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                   heads: Int, kvHeads: Int, headDimension: Int, scale: Float, into out: DeviceTensor) throws
    /// `attention` with a sliding window and/or soft-capped scores (`AttentionVariant`). The default
    /// implementation runs plain causal attention and refuses any other variant, so a backend written before
    /// the variants existed still runs every family that needs none.
    func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                   heads: Int, kvHeads: Int, headDimension: Int, scale: Float, variant: AttentionVariant,
                   into out: DeviceTensor) throws
    /// `out = x · factor`, element-wise (Gemma's embedding scale); `out` may be `x`. The default refuses.
    func scale(_ x: DeviceTensor, by factor: Float, into out: DeviceTensor) throws
    /// `out = cap · tanh(x / cap)`, element-wise (Gemma 2's final-logit soft cap); `out` may be `x`. The default
    /// refuses.
    func softCap(_ x: DeviceTensor, cap: Float, into out: DeviceTensor) throws
    /// `out = gelu(gate) * up`, element-wise, with GELU's tanh approximation
    /// `0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³)))` (Gemma's GeGLU, PyTorch's `gelu(approximate="tanh")`).
    /// The default refuses.
    func geluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws

    /// Normalises each row of `logits` (`queries.count × vocabulary`) with a numerically stable log-softmax
    /// and answers row `i`'s query.
    func logSoftmax(_ logits: DeviceTensor, queries: [PositionQuery]) throws -> [PositionLogProbs]

    /// Bytes of device memory this backend holds now (weights, caches, scratch).
    var allocatedBytes: Int { get }
}

extension Backend {
    public func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                          heads: Int, kvHeads: Int, headDimension: Int, scale: Float, variant: AttentionVariant,
                          into out: DeviceTensor) throws {
        guard variant.isCausal else { throw BackendError.unsupported(backend: name, operation: "attention with \(variant)") }
        try attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                      headDimension: headDimension, scale: scale, into: out)
    }

    public func scale(_ x: DeviceTensor, by factor: Float, into out: DeviceTensor) throws {
        throw BackendError.unsupported(backend: name, operation: "scale")
    }

    public func softCap(_ x: DeviceTensor, cap: Float, into out: DeviceTensor) throws {
        throw BackendError.unsupported(backend: name, operation: "softCap")
    }

    public func geluMul(gate: DeviceTensor, up: DeviceTensor, into out: DeviceTensor) throws {
        throw BackendError.unsupported(backend: name, operation: "geluMul")
    }

    /// RoPE with adjacent pairs and no scaling: the llama default.
    public func rope(_ x: DeviceTensor, positions: [Int32], heads: Int, headDimension: Int, ropeDimension: Int,
                     base: Float) throws {
        try rope(x, positions: positions, heads: heads, headDimension: headDimension,
                 rotary: RotaryEmbedding(dimension: ropeDimension, base: base))
    }

    public func makeActivations(rows: Int, columns: Int, values: [Float]) throws -> DeviceTensor {
        guard values.count == rows * columns else {
            throw BackendError.shapeMismatch(operation: "makeActivations", detail: "\(values.count) values for \(rows)×\(columns)")
        }
        let t = try makeActivations(rows: rows, columns: columns)
        try write(values, to: t)
        return t
    }
}

/// Errors any backend may throw.
public enum BackendError: Error, CustomStringConvertible, Equatable {
    case unsupported(backend: String, operation: String)
    case unsupportedWeightType(backend: String, tensor: String, type: String)
    case shapeMismatch(operation: String, detail: String)
    case foreignTensor(backend: String, operation: String)
    case outOfMemory(backend: String, requestedBytes: Int)
    case device(String)

    public var description: String {
        switch self {
        case let .unsupported(backend, operation):
            return "backend \(backend) does not support \(operation)"
        case let .unsupportedWeightType(backend, tensor, type):
            return "backend \(backend) cannot use tensor '\(tensor)' of type \(type)"
        case let .shapeMismatch(operation, detail):
            return "\(operation): shape mismatch: \(detail)"
        case let .foreignTensor(backend, operation):
            return "\(operation): a tensor made by another backend was passed to \(backend)"
        case let .outOfMemory(backend, requestedBytes):
            return "backend \(backend) could not allocate \(requestedBytes) bytes"
        case let .device(message):
            return message
        }
    }
}
