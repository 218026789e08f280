import SequiturCore

extension OpenCLBackend {
    /// Largest head dimension the attention kernel stages in local memory: a 64-key chunk of 128 floats is
    /// 33 KiB, inside the 48 KiB NVIDIA gives a work-group, and wider heads (Gemma's 256) walk 32-key chunks,
    /// 33 KiB again.
    static let maxAttentionHeadDimension = 256

    /// Keys per chunk for a head dimension: fixed per model, so a token's reduction order never changes.
    static func attentionChunk(headDimension: Int) -> Int { headDimension > 128 ? 32 : 64 }

    public func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                          heads: Int, kvHeads: Int, headDimension: Int, scale: Float, into out: DeviceTensor) throws {
        try attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                      headDimension: headDimension, scale: scale, variant: .causal, into: out)
    }

    /// The window moves where each token's walk over its positions starts; the cap bends each score in the
    /// kernel (see `Kernels/attention.cl`).
    public func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                          heads: Int, kvHeads: Int, headDimension: Int, scale: Float, variant: AttentionVariant,
                          into out: DeviceTensor) throws {
        let op = "attention"
        let q = try activation(queries, op), c = try ownCache(cache, op), o = try activation(out, op)
        let tokens = batch.tokenCount
        try BackendArgumentChecks.attention(op, queries: q, out: o, tokens: tokens, heads: heads, kvHeads: kvHeads,
                                            headDimension: headDimension, cache: c, layer: layer)
        try BackendArgumentChecks.attentionVariant(op, variant)
        guard headDimension <= OpenCLBackend.maxAttentionHeadDimension else {
            throw BackendError.unsupported(backend: name, operation: "attention with head dimension \(headDimension) (at most \(OpenCLBackend.maxAttentionHeadDimension))")
        }
        guard batch.blockSize == c.blockSize else {
            throw BackendError.shapeMismatch(operation: op, detail: "batch block size \(batch.blockSize) vs cache \(c.blockSize)")
        }
        try validate(batch, cache: c)
        guard tokens > 0 else { return }
        let sequence = try upload(batch.tokenSequence, purpose: "tokenSequence")
        let position = try upload(batch.tokenPosition, purpose: "tokenPosition")
        let tables = try upload(batch.blockTables, purpose: "blockTables")
        let offsets = try upload(batch.blockTableOffsets, purpose: "blockTableOffsets")
        let chunk = OpenCLBackend.attentionChunk(headDimension: headDimension)
        try kernel("attention", sources: ["common", "attention"], options: "-D HEAD_DIM=\(headDimension) -D ATT_CHUNK=\(chunk)").launch(
            [.buffer(q.buffer), .buffer(c.keys), .buffer(c.values), .buffer(o.buffer),
             .buffer(sequence), .buffer(position), .buffer(tables), .buffer(offsets),
             .int(c.blockSize), .uint64(UInt64(layer * c.slotsPerLayer)), .int(heads), .int(kvHeads), .int(c.kvDimension),
             .float(scale), .int(min(variant.window ?? 0, Int(Int32.max))), .float(variant.scoreSoftCap ?? 0)],
            global: [heads * chunk, tokens], local: [chunk, 1])
    }

    /// Checks on the host that every slot the kernel will read lies inside the cache, so a bad table is a
    /// thrown error instead of an out-of-bounds read on the device.
    private func validate(_ batch: AttentionBatch, cache: OpenCLKVCache) throws {
        let op = "attention"
        guard batch.tokenPosition.count == batch.tokenCount, batch.tokenSlot.count == batch.tokenCount,
              batch.sequenceCount >= 0, batch.blockTableOffsets.first == 0,
              Int(batch.blockTableOffsets.last ?? -1) == batch.blockTables.count,
              zip(batch.blockTableOffsets, batch.blockTableOffsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw BackendError.shapeMismatch(operation: op, detail: "inconsistent attention batch: \(batch.tokenCount) tokens, offsets \(batch.blockTableOffsets) over \(batch.blockTables.count) table entries")
        }
        for block in batch.blockTables where block < 0 || Int(block) >= cache.blockCapacity {
            throw BackendError.shapeMismatch(operation: op, detail: "block \(block) outside a cache of \(cache.blockCapacity) blocks")
        }
        for t in 0..<batch.tokenCount {
            let s = Int(batch.tokenSequence[t]), p = Int(batch.tokenPosition[t])
            guard (0..<batch.sequenceCount).contains(s), p >= 0 else {
                throw BackendError.shapeMismatch(operation: op, detail: "token \(t): sequence \(s) of \(batch.sequenceCount), position \(p)")
            }
            let blocks = Int(batch.blockTableOffsets[s + 1] - batch.blockTableOffsets[s])
            guard p / batch.blockSize < blocks else {
                throw BackendError.shapeMismatch(operation: op, detail: "token \(t) at position \(p) needs block \(p / batch.blockSize) but sequence \(s) has \(blocks)")
            }
        }
    }
}
