import SequiturCore

/// Every check is reproducible from its seed.
typealias CheckRandom = SplitMix64


extension WeightTensor {
    /// A weight holding `values` quantised to `type`.
    static func quantized(name: String, type: TensorType, rows: Int, columns: Int, values: [Float]) throws -> WeightTensor {
        WeightTensor(name: name, type: type, rows: rows, columns: columns, copying: try Quantization.quantize(values, to: type))
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
    func run(on backend: any Backend, growAndCopy: Bool = false) throws -> [Float] {
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
                              headDimension: headDimension, scale: 1 / Float(headDimension).squareRoot(), into: out)
        return try backend.read(out)
    }
}
