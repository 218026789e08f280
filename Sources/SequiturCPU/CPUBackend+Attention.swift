import CSequiturKernels
import Foundation
import SequiturCore

extension CPUBackend {
    /// Causal grouped-query attention, a (token, head) pair or a token's heads of one kv head at a time, threads
    /// splitting them.
    ///
    /// Two-pass softmax in float32 (`sq_attention_head`): scores `q·k · scale` (fixed-order dot), their maximum,
    /// `e^(s - max)` summed in position order, then the value rows accumulated with those weights in position
    /// order and multiplied by `1 / sum` once. Nothing depends on the other tokens in the batch.
    public func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                          heads: Int, kvHeads: Int, headDimension: Int, scale: Float, into out: DeviceTensor) throws {
        try attention(queries: queries, cache: cache, layer: layer, batch: batch, heads: heads, kvHeads: kvHeads,
                      headDimension: headDimension, scale: scale, variant: .causal, into: out)
    }

    /// The same with a sliding window (a query reads only the last `window` of its positions, a suffix of the
    /// causal list, so the order of every sum is the causal one restricted to it) and a soft cap applied to
    /// each score before the maximum (`sq_attention_head`'s `soft_cap`).
    public func attention(queries: DeviceTensor, cache: KVCacheStorage, layer: Int, batch: AttentionBatch,
                          heads: Int, kvHeads: Int, headDimension: Int, scale: Float, variant: AttentionVariant,
                          into out: DeviceTensor) throws {
        let op = "attention"
        let q = try activation(queries, op), o = try activation(out, op), c = try kvCache(cache, op)
        let tokens = batch.tokenCount
        try BackendArgumentChecks.attention(op, queries: q, out: o, tokens: tokens, heads: heads, kvHeads: kvHeads,
                                            headDimension: headDimension, cache: c, layer: layer)
        try BackendArgumentChecks.attentionVariant(op, variant)
        // The full causal lists are kept between calls (every layer of a step reads the same batch); a window
        // reads a suffix of them.
        let slots: [[Int]]
        if let last = lastAttentionSlots, last.layout == c.layout, last.batch == batch {
            slots = last.slots
        } else {
            slots = try attentionSlots(batch, cache: c)
            lastAttentionSlots = (batch, c.layout, slots)
        }
        guard tokens > 0 else { return }

        // The longest list a query reads: the longest causal one, or the window when that is shorter.
        let causalMax = slots.map(\.count).max() ?? 0
        let maxContext = variant.window.map { min($0, causalMax) } ?? causalMax
        let positions = batch.tokenPosition
        let group = heads / kvHeads, d = c.kvDimension, width = heads * headDimension
        // With several tokens the query heads that share a kv head run together (`sq_attention_heads`: each key
        // and value row read once for the group, bitwise the same results); a decode step keeps one head per
        // task so that its few heads still spread over the threads.
        let headsPerTask = tokens >= 2 * threads ? group : 1
        let tasks = tokens * heads / headsPerTask
        // Causal rows grow in cost with position, so the tasks are cut into more chunks than threads and the
        // dispatcher hands them out as threads free up.
        let chunks = tokens * heads * maxContext * headDimension < 65_536 ? 1 : threads * 8
        let buffers = try scratchBuffers(chunks: min(chunks, tasks), floats: min(headsPerTask, 4) * maxContext)
        let qp = q.floats, outp = o.floats, simd = simdFlag, softCap = variant.scoreSoftCap ?? 0
        let keys = c.keys.pointer + c.offset(layer: layer, slot: 0)
        let values = c.values.pointer + c.offset(layer: layer, slot: 0)
        let tasksPerToken = heads / headsPerTask
        parallelRanges(count: tasks, chunks: chunks) { chunk, range in
            for task in range {
                let t = task / tasksPerToken, h = (task % tasksPerToken) * headsPerTask, kvHead = h / group
                let first = variant.firstPosition(for: Int(positions[t]))
                slots[t].withUnsafeBufferPointer { context in
                    sq_attention_heads(qp + t * width + h * headDimension, headsPerTask, keys + kvHead * headDimension,
                                       values + kvHead * headDimension, context.baseAddress! + first,
                                       context.count - first, d, headDimension, scale, softCap, buffers[chunk],
                                       outp + t * width + h * headDimension, simd)
                }
            }
        }
    }

    /// For each new token, the cache rows (`attentionRow`) of positions `0...tokenPosition[t]` of its sequence, checked
    /// against the block table and the cache so the kernel cannot read out of bounds.
    private func attentionSlots(_ batch: AttentionBatch, cache c: CPUKVCache) throws -> [[Int]] {
        let op = "attention"
        guard batch.tokenPosition.count == batch.tokenCount, batch.tokenSlot.count == batch.tokenCount,
              batch.blockSize == c.blockSize, batch.blockTableOffsets.count >= 1 else {
            throw BackendError.shapeMismatch(operation: op, detail: "attention batch arrays disagree or block size \(batch.blockSize) ≠ cache's \(c.blockSize)")
        }
        var result: [[Int]] = []
        result.reserveCapacity(batch.tokenCount)
        for t in 0..<batch.tokenCount {
            let s = Int(batch.tokenSequence[t]), position = Int(batch.tokenPosition[t])
            guard (0..<batch.sequenceCount).contains(s), position >= 0 else {
                throw BackendError.shapeMismatch(operation: op, detail: "token \(t): sequence \(s) or position \(position) invalid")
            }
            let start = Int(batch.blockTableOffsets[s]), end = Int(batch.blockTableOffsets[s + 1])
            guard start >= 0, start <= end, end <= batch.blockTables.count, position / batch.blockSize < end - start else {
                throw BackendError.shapeMismatch(operation: op,
                    detail: "token \(t) at position \(position) needs block \(position / batch.blockSize) but sequence \(s) has \(max(0, end - start)) blocks")
            }
            var slots: [Int] = []
            slots.reserveCapacity(position + 1)
            for p in 0...position {
                let block = Int(batch.blockTables[start + p / batch.blockSize])
                guard (0..<c.blockCapacity).contains(block) else {
                    throw BackendError.shapeMismatch(operation: op, detail: "sequence \(s) uses block \(block) outside capacity \(c.blockCapacity)")
                }
                slots.append(c.attentionRow(slot: block * batch.blockSize + p % batch.blockSize))
            }
            result.append(slots)
        }
        return result
    }
}
