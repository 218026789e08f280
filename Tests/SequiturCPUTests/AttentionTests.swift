import Foundation
import SequiturCore
import SequiturCPU
import Testing

/// The KV cache ops and causal grouped-query attention over block tables.
@Suite struct AttentionTests {
    /// Reference attention in double, reading keys and values from plain arrays indexed by slot.
    static func reference(q: [Float], keys: [Float], values: [Float], batch: AttentionBatch, heads: Int, kvHeads: Int,
                          headDimension: Int, scale: Float, variant: AttentionVariant = .causal) -> [Double] {
        let kvDimension = kvHeads * headDimension, width = heads * headDimension
        var out = [Double](repeating: 0, count: batch.tokenCount * width)
        for t in 0..<batch.tokenCount {
            for h in 0..<heads {
                let kvHead = h / (heads / kvHeads)
                let position = Int(batch.tokenPosition[t])
                let slots = (variant.firstPosition(for: position)...position).map {
                    batch.slot(sequence: Int(batch.tokenSequence[t]), position: $0)
                }
                let scores = slots.map { slot in
                    let s = (0..<headDimension).reduce(0.0) { $0 + Double(q[t * width + h * headDimension + $1]) * Double(keys[slot * kvDimension + kvHead * headDimension + $1]) } * Double(scale)
                    return variant.scoreSoftCap.map { Double($0) * tanh(s / Double($0)) } ?? s
                }
                let maximum = scores.max()!
                let weights = scores.map { exp($0 - maximum) }
                let total = weights.reduce(0, +)
                for i in 0..<headDimension {
                    out[t * width + h * headDimension + i] = zip(slots, weights).reduce(0.0) {
                        $0 + $1.1 * Double(values[$1.0 * kvDimension + kvHead * headDimension + i])
                    } / total
                }
            }
        }
        return out
    }

    /// Two sequences with scattered, partly shared blocks; sequence 0 gets 3 new tokens (a prefill tail), sequence
    /// 1 one token (decode), attending to earlier positions already in the cache.
    /// Head dimensions 33 (tail only), 64 (the register-blocked path) and 130 (both), on 1 or 2 threads, SIMD or
    /// portable kernels.
    @Test(arguments: [(1, 33, true), (2, 64, true), (2, 130, true), (2, 33, false), (1, 64, false), (2, 130, false)])
    func matchesReference(threads: Int, headDimension: Int, simd: Bool) throws {
        let backend = CPUBackend(threads: threads, kernels: simd ? .widestSupported : .portable)
        let heads = 6, kvHeads = 2, blockSize = 4, capacity = 9, layers = 2, layer = 1
        let kvDimension = kvHeads * headDimension
        var g = SplitMix64(seed: 77)
        let cache = try backend.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: capacity, kvDimension: kvDimension)
        // Fill every slot of the layer, as earlier steps would have.
        let slotCount = blockSize * capacity
        let keys = g.floats(slotCount * kvDimension, in: -2...2), values = g.floats(slotCount * kvDimension)
        try backend.storeKV(keys: try backend.makeActivations(rows: slotCount, columns: kvDimension, values: keys),
                            values: try backend.makeActivations(rows: slotCount, columns: kvDimension, values: values),
                            layer: layer, slots: (0..<Int32(slotCount)).map { $0 }, cache: cache)
        let batch = AttentionBatch(tokenSequence: [0, 0, 0, 1], tokenPosition: [8, 9, 10, 5],
                                   tokenSlot: [], blockTables: [7, 2, 5, 3, 7, 8], blockTableOffsets: [0, 3, 6], blockSize: blockSize)
        let fixed = AttentionBatch(tokenSequence: batch.tokenSequence, tokenPosition: batch.tokenPosition,
                                   tokenSlot: batch.tokenPosition.indices.map { Int32(batch.slot(sequence: Int(batch.tokenSequence[$0]), position: Int(batch.tokenPosition[$0]))) },
                                   blockTables: batch.blockTables, blockTableOffsets: batch.blockTableOffsets, blockSize: blockSize)
        let q = g.floats(4 * heads * headDimension, in: -2...2)
        let out = try poisoned(backend, rows: 4, columns: heads * headDimension)
        let scale = 1 / Float(headDimension).squareRoot()
        try backend.attention(queries: try backend.makeActivations(rows: 4, columns: heads * headDimension, values: q), cache: cache,
                              layer: layer, batch: fixed, heads: heads, kvHeads: kvHeads, headDimension: headDimension,
                              scale: scale, into: out)
        let got = try backend.read(out)
        let want = Self.reference(q: q, keys: keys, values: values, batch: fixed, heads: heads, kvHeads: kvHeads,
                                  headDimension: headDimension, scale: scale)
        // Scores are within ~(⌈d/8⌉+4)·u·Σ|qk| ≈ 1e-5 here; softmax weights and the weighted sum of values in
        // [-1, 1] keep the output within ~1e-5 absolute; 5e-5 leaves room.
        for i in 0..<got.count { #expect(abs(Double(got[i]) - want[i]) <= 5e-5, "element \(i): \(got[i]) vs \(want[i])") }

        let lastRow = 3 * heads * headDimension
        // The other kernel path gives bitwise the same result.
        let other = CPUBackend(threads: 3, kernels: simd ? .portable : .widestSupported)
        let otherCache = try other.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: capacity, kvDimension: kvDimension)
        try other.storeKV(keys: try other.makeActivations(rows: slotCount, columns: kvDimension, values: keys),
                          values: try other.makeActivations(rows: slotCount, columns: kvDimension, values: values),
                          layer: layer, slots: (0..<Int32(slotCount)).map { $0 }, cache: otherCache)
        let otherOut = try poisoned(other, rows: 4, columns: heads * headDimension)
        try other.attention(queries: try other.makeActivations(rows: 4, columns: heads * headDimension, values: q), cache: otherCache,
                            layer: layer, batch: fixed, heads: heads, kvHeads: kvHeads, headDimension: headDimension,
                            scale: scale, into: otherOut)
        #expect(bitwiseEqual(try other.read(otherOut), got))

        // The decode token alone gives bitwise the same result as inside the batch.
        let alone = AttentionBatch(tokenSequence: [0], tokenPosition: [5], tokenSlot: [fixed.tokenSlot[3]],
                                   blockTables: [3, 7, 8], blockTableOffsets: [0, 3], blockSize: blockSize)
        let outAlone = try poisoned(backend, rows: 1, columns: heads * headDimension)
        try backend.attention(queries: try backend.makeActivations(rows: 1, columns: heads * headDimension, values: Array(q[lastRow...])),
                              cache: cache, layer: layer, batch: alone, heads: heads, kvHeads: kvHeads, headDimension: headDimension,
                              scale: scale, into: outAlone)
        #expect(bitwiseEqual(try backend.read(outAlone), Array(got[lastRow...])))
    }

    /// Every kernel path gives bitwise the same output, over contexts long enough for each path's position
    /// blocks (16 on AVX-512, 8 on AVX2) and their tails: positions 0 to 47 of one scattered sequence, head
    /// dimensions with and without an 8-float tail and a 64-float register block.
    /// The same with sliding windows (shorter than most contexts, of one position, longer than all) and a soft
    /// cap on the scores (Gemma 2).
    @Test(arguments: [33, 64, 72, 130], [AttentionVariant.causal, AttentionVariant(window: 9, scoreSoftCap: 0.7),
                                         AttentionVariant(window: 1), AttentionVariant(window: 100, scoreSoftCap: 50)])
    func everyKernelPathAgreesBitwiseOnLongContexts(headDimension: Int, variant: AttentionVariant) throws {
        let heads = 4, kvHeads = 2, blockSize = 4, capacity = 12, layers = 1
        let kvDimension = kvHeads * headDimension, slotCount = blockSize * capacity
        var g = SplitMix64(seed: UInt64(300 + headDimension))
        let keys = g.floats(slotCount * kvDimension, in: -2...2), values = g.floats(slotCount * kvDimension)
        let positions: [Int32] = [0, 7, 15, 16, 17, 23, 31, 32, 40, 47]
        let table: [Int32] = [5, 11, 0, 7, 2, 9, 3, 10, 1, 8, 4, 6]
        let batch = AttentionBatch(tokenSequence: positions.map { _ in 0 }, tokenPosition: positions,
                                   tokenSlot: positions.map { table[Int($0) / blockSize] * Int32(blockSize) + $0 % Int32(blockSize) },
                                   blockTables: table, blockTableOffsets: [0, Int32(table.count)], blockSize: blockSize)
        let q = g.floats(positions.count * heads * headDimension, in: -2...2)
        let scale = 1 / Float(headDimension).squareRoot()
        var outputs: [(CPUKernelPath, [Float])] = []
        for path in CPUKernelPath.supported {
            let backend = CPUBackend(threads: 2, kernels: path)
            let cache = try backend.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: capacity, kvDimension: kvDimension)
            try backend.storeKV(keys: try backend.makeActivations(rows: slotCount, columns: kvDimension, values: keys),
                                values: try backend.makeActivations(rows: slotCount, columns: kvDimension, values: values),
                                layer: 0, slots: (0..<Int32(slotCount)).map { $0 }, cache: cache)
            let out = try poisoned(backend, rows: positions.count, columns: heads * headDimension)
            try backend.attention(queries: try backend.makeActivations(rows: positions.count, columns: heads * headDimension, values: q),
                                  cache: cache, layer: 0, batch: batch, heads: heads, kvHeads: kvHeads,
                                  headDimension: headDimension, scale: scale, variant: variant, into: out)
            outputs.append((path, try backend.read(out)))
        }
        let want = Self.reference(q: q, keys: keys, values: values, batch: batch, heads: heads, kvHeads: kvHeads,
                                  headDimension: headDimension, scale: scale, variant: variant)
        for i in 0..<want.count { #expect(abs(Double(outputs[0].1[i]) - want[i]) <= 5e-5, "element \(i)") }
        for (path, out) in outputs.dropFirst() {
            #expect(bitwiseEqual(out, outputs[0].1), "\(path) differs from \(outputs[0].0)")
        }
    }

    /// Query heads that share a kv head run together when a call has several tokens (`sq_attention_heads`, up to
    /// four at once on AVX-512); a token alone runs one head at a time. Both give bitwise the same output, for
    /// groups of 1 to 7 heads (7 = 4 + 3 on AVX-512), head dimensions with and without a tail, and a window with
    /// a soft cap, and bitwise what the portable path gives.
    @Test(arguments: [(7, 1), (6, 2), (8, 2), (5, 5)], [33, 64, 80])
    func groupedHeadsEqualOneHeadAtATime(heads: (Int, Int), headDimension: Int) throws {
        let (queryHeads, kvHeads) = heads
        let blockSize = 4, capacity = 12
        let kvDimension = kvHeads * headDimension, slotCount = blockSize * capacity
        var g = SplitMix64(seed: UInt64(900 + 10 * queryHeads + headDimension))
        let keys = g.floats(slotCount * kvDimension, in: -2...2), values = g.floats(slotCount * kvDimension)
        let positions: [Int32] = [0, 5, 8, 15, 16, 23, 30, 31, 39, 46]
        let table: [Int32] = [5, 11, 0, 7, 2, 9, 3, 10, 1, 8, 4, 6]
        func batch(_ p: [Int32]) -> AttentionBatch {
            AttentionBatch(tokenSequence: p.map { _ in 0 }, tokenPosition: p,
                           tokenSlot: p.map { table[Int($0) / blockSize] * Int32(blockSize) + $0 % Int32(blockSize) },
                           blockTables: table, blockTableOffsets: [0, Int32(table.count)], blockSize: blockSize)
        }
        let width = queryHeads * headDimension
        let q = g.floats(positions.count * width, in: -2...2)
        let scale = 1 / Float(headDimension).squareRoot()
        for variant in [AttentionVariant.causal, AttentionVariant(window: 11, scoreSoftCap: 0.9)] {
            var portable: [Float]?
            for path in CPUKernelPath.supported {
                let backend = CPUBackend(threads: 2, kernels: path)
                let cache = try backend.makeKVCache(layers: 1, blockSize: blockSize, blockCapacity: capacity, kvDimension: kvDimension)
                try backend.storeKV(keys: try backend.makeActivations(rows: slotCount, columns: kvDimension, values: keys),
                                    values: try backend.makeActivations(rows: slotCount, columns: kvDimension, values: values),
                                    layer: 0, slots: (0..<Int32(slotCount)).map { $0 }, cache: cache)
                func run(_ rows: Range<Int>) throws -> [Float] {
                    let out = try poisoned(backend, rows: rows.count, columns: width)
                    try backend.attention(queries: try backend.makeActivations(rows: rows.count, columns: width,
                                                                               values: Array(q[rows.lowerBound * width..<rows.upperBound * width])),
                                          cache: cache, layer: 0, batch: batch(Array(positions[rows])), heads: queryHeads,
                                          kvHeads: kvHeads, headDimension: headDimension, scale: scale, variant: variant, into: out)
                    return try backend.read(out)
                }
                let together = try run(0..<positions.count)
                let alone = try positions.indices.flatMap { try run($0..<$0 + 1) }
                #expect(bitwiseEqual(together, alone), "heads \(queryHeads)/\(kvHeads) d=\(headDimension) \(variant) \(path)")
                // And every path equals the first (portable, one head at a time on every path).
                if let portable { #expect(bitwiseEqual(together, portable), "\(path) differs from portable") } else { portable = together }
                let want = Self.reference(q: q, keys: keys, values: values, batch: batch(positions), heads: queryHeads,
                                          kvHeads: kvHeads, headDimension: headDimension, scale: scale, variant: variant)
                let worst = zip(together, want).map { abs(Double($0) - $1) }.max() ?? .infinity
                #expect(worst <= 5e-5, "heads \(queryHeads)/\(kvHeads) d=\(headDimension) \(variant) \(path): \(worst)")
            }
        }
    }

    @Test func cacheGrowsAndCopiesBlocks() throws {
        let backend = CPUBackend(threads: 2)
        let blockSize = 3, kvDimension = 7, layers = 2
        var g = SplitMix64(seed: 4)
        let cache = try backend.makeKVCache(layers: layers, blockSize: blockSize, blockCapacity: 2, kvDimension: kvDimension)
        let before = backend.allocatedBytes
        var written: [[Float]] = []
        for layer in 0..<layers {
            let k = g.floats(6 * kvDimension), v = g.floats(6 * kvDimension)
            written.append(k + v)
            try backend.storeKV(keys: try backend.makeActivations(rows: 6, columns: kvDimension, values: k),
                                values: try backend.makeActivations(rows: 6, columns: kvDimension, values: v),
                                layer: layer, slots: [0, 1, 2, 3, 4, 5], cache: cache)
        }
        let grown = try backend.growKVCache(cache, blockCapacity: 5)
        #expect(grown.blockCapacity == 5 && grown.layerCount == layers)
        try backend.copyKVBlock(grown, from: 1, to: 4)
        // Read back through attention with one position per query: softmax of one score is 1, so the output is
        // the value row itself; with a query of zeros every score ties and the output is the mean.
        for layer in 0..<layers {
            for (sourceBlock, block) in [(1, 4), (0, 0), (1, 1)] {
                for offset in 0..<blockSize {
                    // Position `offset` of a one-block sequence whose block is `block`.
                    let shifted = AttentionBatch(tokenSequence: [0], tokenPosition: [Int32(offset)], tokenSlot: [0],
                                                 blockTables: [Int32(block)], blockTableOffsets: [0, 1], blockSize: blockSize)
                    let out = try poisoned(backend, rows: 1, columns: kvDimension)
                    try backend.attention(queries: try backend.makeActivations(rows: 1, columns: kvDimension, values: [Float](repeating: 0, count: kvDimension)),
                                          cache: grown, layer: layer, batch: shifted, heads: 1, kvHeads: 1, headDimension: kvDimension,
                                          scale: 1, into: out)
                    let valueRows = (0...offset).map { p in Array(written[layer][(6 + (sourceBlock * blockSize + p)) * kvDimension..<(6 + sourceBlock * blockSize + p + 1) * kvDimension]) }
                    let mean = (0..<kvDimension).map { i in valueRows.map { Double($0[i]) }.reduce(0, +) / Double(offset + 1) }
                    for (i, v) in try backend.read(out).enumerated() { #expect(abs(Double(v) - mean[i]) <= 1e-6, "layer \(layer) block \(block)") }
                }
            }
        }
        #expect(backend.allocatedBytes > before)
        #expect(throws: BackendError.self) { try backend.copyKVBlock(grown, from: 5, to: 0) }
        #expect(throws: BackendError.self) { try backend.growKVCache(grown, blockCapacity: 1) }
    }
}
