import SequiturCore

/// Scores `log Pr(y | x)` with one prefill per distinct context: requests with the same context `x` share it,
/// and their continuations are forked from its state (copy-on-write KV blocks) and extended together.
///
/// For each group of requests with an identical context:
/// 1. Prefill `x` once, asking at its last position for the log-probs of *every* distinct first continuation
///    token of the group in one `PositionQuery`: that row gives `log Pr(y_0 | x)` for all of them.
/// 2. Fork the prefilled state once per distinct continuation of two or more tokens and feed `y_0..y_{m−2}`,
///    asking at each position for the next continuation token.
///
/// Groups are taken `batchSize` at a time: their prefills go into one `extend` call, then all their forks are
/// extended `batchSize` per call, so continuations of several groups share a batch and at most `batchSize`
/// prefilled contexts are alive at once. Only targets are asked, never full rows. Identical requests (same
/// context and continuation) are computed once and share the result.
///
/// Only exactly equal contexts are shared; a context that is a proper prefix of another is prefilled
/// separately (the numbers are the same either way, only the work differs).
///
/// With a `prefix` state (a chat history, or a decoding request's `prefixState`), a context that extends it
/// is fed from a fork of it, only its remaining tokens; the prefix itself is never extended.
///
/// - An empty continuation scores 0 with no factors and `isGreedy == true`, without model work.
/// - An empty context throws `ScoringError.emptyContext` (give BOS).
public struct SharedPrefixScorer: Scorer {
    public let name = "shared-prefix"
    /// Contexts per prefill call and continuations per extension call (values below 1 act as 1).
    public let batchSize: Int
    /// A state holding the start of the contexts, or nil to prefill every context from scratch.
    public let prefix: SequenceState?

    public init(batchSize: Int = 16, prefix: SequenceState? = nil) {
        self.batchSize = effectiveBatchSize(batchSize)
        self.prefix = prefix
    }

    /// The requests of one distinct context.
    private struct ContextGroup {
        var context: [TokenID]
        /// Distinct non-empty continuations, in first-appearance order.
        var continuations: [[TokenID]] = []
        /// For each distinct continuation, the requests that asked for it.
        var requestIndices: [[Int]] = []
        /// Distinct first continuation tokens: the targets of the prefill's last position.
        var firstTokens: [TokenID] = []
    }

    public func score(_ requests: [ScoringRequest], model: any LanguageModel) throws -> [ScoringResult] {
        var (results, _) = try requests.startScoring()
        let groups = Self.group(requests)

        // Contexts are prefilled a chunk at a time and their states live until the chunk's forks are scored:
        // the chunk is cut by tokens as well as by count (see `BatchedExtension.maxBatchTokens`).
        let sizes = groups.map(\.context.count)
        var chunkStart = 0
        while chunkStart < groups.count {
            let length = BatchedExtension.batchLength(sizes[chunkStart...], batchSize: batchSize)
            let chunk = groups[chunkStart..<(chunkStart + length)]
            try scoreChunk(Array(chunk), requests: requests, model: model, into: &results)
            chunkStart += chunk.count
        }
        return results
    }

    private static func group(_ requests: [ScoringRequest]) -> [ContextGroup] {
        var groups: [ContextGroup] = []
        var groupOfContext: [[TokenID]: Int] = [:]
        var slotOfContinuation: [[[TokenID]: Int]] = []
        for (i, r) in requests.enumerated() where !r.continuation.isEmpty {
            let g: Int
            if let existing = groupOfContext[r.context] {
                g = existing
            } else {
                g = groups.count
                groupOfContext[r.context] = g
                groups.append(ContextGroup(context: r.context))
                slotOfContinuation.append([:])
            }
            if let slot = slotOfContinuation[g][r.continuation] {
                groups[g].requestIndices[slot].append(i)
                continue
            }
            slotOfContinuation[g][r.continuation] = groups[g].continuations.count
            groups[g].continuations.append(r.continuation)
            groups[g].requestIndices.append([i])
            if !groups[g].firstTokens.contains(r.continuation[0]) { groups[g].firstTokens.append(r.continuation[0]) }
        }
        return groups
    }

    private func scoreChunk(_ chunk: [ContextGroup], requests: [ScoringRequest], model: any LanguageModel,
                            into results: inout [ScoringResult]) throws {
        // 1. One prefill per context, all in one call (the chunk has at most batchSize groups).
        let prefills = chunk.map { g in
            let start = prefix.flatMap { g.context.count > $0.count && g.context.starts(with: $0.tokens) ? $0 : nil }
            return ExtensionRequest(state: start?.fork() ?? model.makeState(), tokens: Array(g.context[(start?.count ?? 0)...]),
                                    lastQuery: PositionQuery(targets: g.firstTokens))
        }
        let prefillResults = try model.extend(prefills)

        // 2. Forks for continuations of two or more tokens, batchSize per call across the whole chunk.
        var factorsOf: [[[TokenFactor]]] = chunk.map { g in g.continuations.map { _ in [] } }
        var forks: [(group: Int, slot: Int)] = []
        for (g, group) in chunk.enumerated() {
            for (slot, y) in group.continuations.enumerated() {
                let targetIndex = group.firstTokens.firstIndex(of: y[0])!   // every y_0 was made a target
                factorsOf[g][slot] = [try TokenFactor(prefillResults[g].last, target: y[0], targetIndex: targetIndex)]
                if y.count >= 2 { forks.append((g, slot)) }
            }
        }
        try BatchedExtension.run(
            count: forks.count, batchSize: batchSize, model: model,
            request: { k in
                let (g, slot) = forks[k]
                let y = chunk[g].continuations[slot]
                return ExtensionRequest(state: prefills[g].state.fork(), tokens: Array(y.dropLast()),
                                        queries: y.dropFirst().map { .target($0) })
            },
            consume: { k, _, result in
                let (g, slot) = forks[k]
                let y = chunk[g].continuations[slot]
                for j in 1..<y.count {
                    factorsOf[g][slot].append(try TokenFactor(result.answers[j - 1], target: y[j]))
                }
            })

        for (g, group) in chunk.enumerated() {
            for (slot, indices) in group.requestIndices.enumerated() {
                for i in indices { results[i] = ScoringResult(id: requests[i].id, factors: factorsOf[g][slot]) }
            }
        }
    }
}
