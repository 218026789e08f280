import SequiturCore

/// Every check is reproducible from its seed.
typealias CheckRandom = SplitMix64


extension WeightTensor {
    /// A weight holding `values` quantised to `type`. The K-quants have no quantiser here: their blocks are
    /// random bytes (drawn from a seed made of `values`) with the f16 scales set so values stay near ±1; the
    /// checks compare a backend with the CPU reference on the same bytes, so any valid block will do.
    static func quantized(name: String, type: TensorType, rows: Int, columns: Int, values: [Float]) throws -> WeightTensor {
        if Quantization.isSupported(type) {
            return WeightTensor(name: name, type: type, rows: rows, columns: columns, copying: try Quantization.quantize(values, to: type))
        }
        // (offset of an f16 scale, its magnitude) per K-quant block.
        let scales: [(Int, Float)]
        switch type {
        case .q2_K: scales = [(80, 0.01), (82, 0.01)]
        case .q3_K: scales = [(108, 0.005)]
        case .q4_K: scales = [(0, 0.0005), (2, 0.002)]
        case .q5_K: scales = [(0, 0.0003), (2, 0.002)]
        case .q6_K: scales = [(208, 0.0001)]
        default: return WeightTensor(name: name, type: type, rows: rows, columns: columns, copying: try Quantization.quantize(values, to: type))
        }
        var random = CheckRandom(seed: values.prefix(8).reduce(UInt64(values.count)) { $0 &* 31 &+ UInt64($1.bitPattern) })
        let blocks = rows * columns / type.blockSize
        var bytes = (0..<blocks * type.blockBytes).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        for b in 0..<blocks {
            for (offset, magnitude) in scales {
                let h = Float16(magnitude * Float(0.5 + Double(random.next(below: 1000)) / 1000))
                bytes[b * type.blockBytes + offset] = UInt8(h.bitPattern & 0xFF)
                bytes[b * type.blockBytes + offset + 1] = UInt8(h.bitPattern >> 8)
            }
        }
        return WeightTensor(name: name, type: type, rows: rows, columns: columns, copying: bytes)
    }
}

/// Sequences with keys and values at every position in shuffled cache blocks, and a batch of new tokens
/// (each sequence's last positions) attending over them; runs identically on any backend.
struct AttentionScenario {
    let heads: Int, kvHeads: Int, headDimension: Int, blockSize: Int, capacity: Int
    private(set) var batch: AttentionBatch
    /// Every cached (sequence, position) row, in storing order, with its slot.
    let storedSlots: [Int32]
    let keys: [Float], values: [Float]
    private(set) var queries: [Float]
    var kvDimension: Int { kvHeads * headDimension }

    init(sequenceLengths: [Int], newTokens: Int, heads: Int, kvHeads: Int, headDimension: Int, blockSize: Int,
         random: inout CheckRandom) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDimension = headDimension
        self.blockSize = blockSize
        let blocksPer = sequenceLengths.map { ($0 + blockSize - 1) / blockSize }
        capacity = blocksPer.reduce(0, +) + 3
        var numbers = Array(0..<capacity)
        for i in stride(from: numbers.count - 1, to: 0, by: -1) { numbers.swapAt(i, random.next(below: i + 1)) }
        var tables: [Int32] = [], offsets: [Int32] = [0]
        for count in blocksPer {
            tables += numbers.prefix(count).map(Int32.init)
            numbers.removeFirst(count)
            offsets.append(Int32(tables.count))
        }
        var sequence: [Int32] = [], position: [Int32] = [], slot: [Int32] = []
        let partial = AttentionBatch(tokenSequence: [], tokenPosition: [], tokenSlot: [], blockTables: tables,
                                     blockTableOffsets: offsets, blockSize: blockSize)
        var stored: [Int32] = []
        for (s, length) in sequenceLengths.enumerated() {
            for p in 0..<length { stored.append(Int32(partial.slot(sequence: s, position: p))) }
            for p in max(0, length - newTokens)..<length {
                sequence.append(Int32(s))
                position.append(Int32(p))
                slot.append(Int32(partial.slot(sequence: s, position: p)))
            }
        }
        storedSlots = stored
        batch = AttentionBatch(tokenSequence: sequence, tokenPosition: position, tokenSlot: slot, blockTables: tables,
                               blockTableOffsets: offsets, blockSize: blockSize)
        let kvDimension = kvHeads * headDimension
        keys = random.signedUnits(stored.count * kvDimension)
        values = random.signedUnits(stored.count * kvDimension)
        queries = random.signedUnits(sequence.count * heads * headDimension, scale: 2)
    }

    /// The same cache contents with only new token `t` in the batch.
    func only(token t: Int) -> AttentionScenario {
        var copy = self
        let width = heads * headDimension
        copy.batch.tokenSequence = [batch.tokenSequence[t]]
        copy.batch.tokenPosition = [batch.tokenPosition[t]]
        copy.batch.tokenSlot = [batch.tokenSlot[t]]
        copy.queries = Array(queries[t * width..<(t + 1) * width])
        return copy
    }

    /// Stores everything in layer 1 of a 2-layer cache and attends; with `growAndCopy`, grows the cache
    /// first and moves sequence 0's first block to a block number only the grown cache has.
    func run(on backend: any Backend, growAndCopy: Bool = false, variant: AttentionVariant = .causal) throws -> [Float] {
        var cache = try backend.makeKVCache(layers: 2, blockSize: blockSize, blockCapacity: capacity, kvDimension: kvDimension)
        // Poison the cache: a slot the store kernel misses, or one attention reads outside its sequence's
        // blocks, then turns the output into NaN instead of silently reading zeros.
        let hooks = backend as? any KernelCheckHooks
        try hooks?.fillKVBlocks(cache, blocks: 0..<capacity, with: .nan)
        let rows = storedSlots.count
        try backend.storeKV(keys: backend.makeActivations(rows: rows, columns: kvDimension, values: keys),
                            values: backend.makeActivations(rows: rows, columns: kvDimension, values: values),
                            layer: 1, slots: storedSlots, cache: cache)
        var batch = self.batch
        if growAndCopy {
            cache = try backend.growKVCache(cache, blockCapacity: capacity + 2)
            // The grown blocks hold nothing until the copy writes one: poison them too.
            try hooks?.fillKVBlocks(cache, blocks: capacity..<(capacity + 2), with: .nan)
            let moved = Int(batch.blockTables[0])
            try backend.copyKVBlock(cache, from: moved, to: capacity + 1)
            batch.blockTables[0] = Int32(capacity + 1)
        }
        let width = heads * headDimension
        let out = try backend.makeActivations(rows: batch.tokenCount, columns: width,
                                              values: Array(repeating: .nan, count: batch.tokenCount * width))
        try backend.attention(queries: backend.makeActivations(rows: batch.tokenCount, columns: width, values: queries),
                              cache: cache, layer: 1, batch: batch, heads: heads, kvHeads: kvHeads,
                              headDimension: headDimension, scale: 1 / Float(headDimension).squareRoot(),
                              variant: variant, into: out)
        return try backend.read(out)
    }
}
