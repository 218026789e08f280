import SequiturCore

extension LlamaModel {
    /// One forward pass over `chunk` (tokens of any mix of sequences, each sequence's tokens in order and
    /// their blocks already writable). Writes their keys and values to the cache and answers their queries.
    /// An answer holding NaN or an infinity is an error naming where the non-finite values first appeared.
    func forward(_ chunk: ArraySlice<PendingToken>, states: [LlamaSequenceState]) throws -> [PositionLogProbs?] {
        let x = try runLayers(chunk, states: states, inspect: nil)
        let answers = try outputHead(x, chunk: chunk)
        if let row = answers.firstIndex(where: { $0.map { !$0.isFinite } ?? false }) {
            throw try locateNonFiniteValues(chunk, states: states, queriedRow: row)
        }
        return answers
    }

    /// Runs the embedding and every layer over `chunk`, returning the residual stream. `inspect`, when given,
    /// sees the residual stream after the embedding and after each sub-layer (the diagnosis of non-finite
    /// values uses it; the normal path passes nil and pays nothing).
    func runLayers(_ chunk: ArraySlice<PendingToken>, states: [LlamaSequenceState],
                   inspect: ((_ stage: String, _ x: DeviceTensor) throws -> Void)?) throws -> DeviceTensor {
        let hp = hyperparameters
        let batch = attentionBatch(for: chunk, states: states)
        let s = try scratch.value(rows: chunk.count) {
            try LlamaScratch(rows: $0, hyperparameters: hp, backend: backend)
        }
        let cache = kvPool.storage
        let positions = batch.tokenPosition
        let scale = hp.attentionScale

        try backend.embed(tokens: chunk.map(\.token), table: weights.tokenEmbedding, into: s.x)
        if let factor = hp.embeddingScale { try backend.scale(s.x, by: factor, into: s.x) }
        try inspect?("the token embedding", s.x)
        for (l, w) in weights.layers.enumerated() {
            let local = hp.isLocal(layer: l)
            let rotary = local ? weights.localRotary ?? weights.rotary : weights.rotary
            // Attention sub-layer.
            try backend.rmsNorm(s.x, weight: w.attentionNorm, epsilon: hp.rmsEpsilon, into: s.normed)
            try backend.matmul(s.normed, weight: w.query, into: s.query)
            try backend.matmul(s.normed, weight: w.key, into: s.key)
            try backend.matmul(s.normed, weight: w.value, into: s.value)
            if let b = w.queryBias { try backend.addBias(s.query, bias: b, into: s.query) }
            if let b = w.keyBias { try backend.addBias(s.key, bias: b, into: s.key) }
            if let b = w.valueBias { try backend.addBias(s.value, bias: b, into: s.value) }
            if let n = w.queryNorm {
                try backend.headRMSNorm(s.query, weight: n, heads: hp.headCount, epsilon: hp.rmsEpsilon, into: s.query)
            }
            if let n = w.keyNorm {
                try backend.headRMSNorm(s.key, weight: n, heads: hp.kvHeadCount, epsilon: hp.rmsEpsilon, into: s.key)
            }
            try backend.rope(s.query, positions: positions, heads: hp.headCount, headDimension: hp.headDimension,
                             rotary: rotary)
            try backend.rope(s.key, positions: positions, heads: hp.kvHeadCount, headDimension: hp.headDimension,
                             rotary: rotary)
            try backend.storeKV(keys: s.key, values: s.value, layer: l, slots: batch.tokenSlot, cache: cache)
            try backend.attention(queries: s.query, cache: cache, layer: l, batch: batch, heads: hp.headCount,
                                  kvHeads: hp.kvHeadCount, headDimension: hp.headDimension, scale: scale,
                                  variant: hp.attentionVariant(layer: l), into: s.attention)
            try backend.matmul(s.attention, weight: w.attentionOutput, into: s.projected)
            try addToResidual(s.projected, postNorm: w.postAttentionNorm, scratch: s)
            try inspect?("layer \(l) (attention)", s.x)
            // Feed-forward sub-layer (SwiGLU or GeGLU).
            try backend.rmsNorm(s.x, weight: w.feedForwardNorm, epsilon: hp.rmsEpsilon, into: s.normed)
            try backend.matmul(s.normed, weight: w.gate, into: s.gate)
            try backend.matmul(s.normed, weight: w.up, into: s.up)
            switch hp.family.activation {
            case .silu: try backend.siluMul(gate: s.gate, up: s.up, into: s.activated)
            case .geluTanh: try backend.geluMul(gate: s.gate, up: s.up, into: s.activated)
            }
            try backend.matmul(s.activated, weight: w.down, into: s.projected)
            try addToResidual(s.projected, postNorm: w.postFeedForwardNorm, scratch: s)
            try inspect?("layer \(l) (feed-forward)", s.x)
        }
        return s.x
    }

    /// `x += sublayer`, through Gemma's post-norm first when the layer has one (into `normed`, free by then).
    private func addToResidual(_ sublayer: DeviceTensor, postNorm: DeviceTensor?, scratch s: LlamaScratch) throws {
        if let postNorm {
            try backend.rmsNorm(sublayer, weight: postNorm, epsilon: hyperparameters.rmsEpsilon, into: s.normed)
            try backend.add(s.x, s.normed, into: s.x)
        } else {
            try backend.add(s.x, sublayer, into: s.x)
        }
    }

    /// Final norm, output head and log-softmax for the positions of `chunk` that carry a query, at most
    /// `maxHeadRows` at a time. Rows without a query never reach the vocabulary-wide matmul.
    private func outputHead(_ x: DeviceTensor, chunk: ArraySlice<PendingToken>) throws -> [PositionLogProbs?] {
        var answers = [PositionLogProbs?](repeating: nil, count: chunk.count)
        let queried: [(row: Int, query: PositionQuery)] = chunk.enumerated().compactMap { row, item in
            item.query.map { (row, $0) }
        }
        let hp = hyperparameters
        var start = 0
        while start < queried.count {
            let group = queried[start..<min(start + maxHeadRows, queried.count)]
            let h = try headScratch.value(rows: group.count) {
                try LlamaHeadScratch(rows: $0, hyperparameters: hp, backend: backend)
            }
            try backend.gatherRows(x, rows: group.map { Int32($0.row) }, into: h.gathered)
            try backend.rmsNorm(h.gathered, weight: weights.outputNorm, epsilon: hp.rmsEpsilon, into: h.normed)
            try backend.matmul(h.normed, weight: weights.outputHead, into: h.logits)
            if let cap = hp.finalLogitSoftCap { try backend.softCap(h.logits, cap: cap, into: h.logits) }
            let results = try backend.logSoftmax(h.logits, queries: group.map(\.query))
            for (entry, result) in zip(group, results) { answers[entry.row] = result }
            start += group.count
        }
        return answers
    }

    /// The block tables and slots of the sequences that have tokens in `chunk`, in order of first appearance.
    private func attentionBatch(for chunk: ArraySlice<PendingToken>, states: [LlamaSequenceState]) -> AttentionBatch {
        var sequenceOfRequest: [Int: Int32] = [:]
        var tokenSequence: [Int32] = [], tokenPosition: [Int32] = [], tokenSlot: [Int32] = []
        var blockTables: [Int32] = [], offsets: [Int32] = [0]
        tokenSequence.reserveCapacity(chunk.count)
        tokenPosition.reserveCapacity(chunk.count)
        tokenSlot.reserveCapacity(chunk.count)
        for item in chunk {
            let table = states[item.request].blockTable
            let sequence: Int32
            if let known = sequenceOfRequest[item.request] {
                sequence = known
            } else {
                sequence = Int32(offsets.count - 1)
                sequenceOfRequest[item.request] = sequence
                blockTables += table.blocks
                offsets.append(Int32(blockTables.count))
            }
            tokenSequence.append(sequence)
            tokenPosition.append(Int32(item.position))
            tokenSlot.append(table.slot(of: item.position))
        }
        return AttentionBatch(tokenSequence: tokenSequence, tokenPosition: tokenPosition, tokenSlot: tokenSlot,
                              blockTables: blockTables, blockTableOffsets: offsets, blockSize: kvPool.blockSize)
    }
}
