import Sequitur
import SequiturDiagnostics
import Testing

/// Scorers keep the KV caches of one batch alive at a time, and a batch is cut at about
/// `BatchedExtension.maxBatchTokens` (1,024) tokens however large `batchSize` is: a large batch buys nothing
/// past a forward pass's few hundred tokens, but it would keep every sequence's cache.
@Suite struct ScoringMemoryTests {
    static func model() throws -> LlamaModel {
        let file = try GGUFFile(bytes: SyntheticModels.llamaGGUF(.tiny, seed: 5))
        return try LlamaModel(file: file, backend: CPUBackend(threads: 2),
                              vocabulary: AnonymousVocabulary(count: SyntheticLlamaShape.tiny.vocabularySize))
    }

    static func requests(_ count: Int, length: Int, sharedContext: Bool = false) -> [ScoringRequest] {
        let context = TinyLlama.tokens(length - 8, seed: 99)
        return (0..<count).map { r in
            let tokens = TinyLlama.tokens(length, seed: UInt64(r))
            return sharedContext && r % 2 == 1
                ? ScoringRequest(id: "\(r)", context: context, continuation: Array(tokens.prefix(8)))
                : ScoringRequest(id: "\(r)", context: [tokens[0]], continuation: Array(tokens.dropFirst()))
        }
    }

    /// 12 requests of 300 tokens in one "batch" of 16: the cache grows to hold a batch of about 1,024 tokens
    /// (plus, for the shared-prefix scorer, the chunk's prefilled contexts), not all 12 (3,600 tokens), and the
    /// scores equal one-at-a-time scoring bit for bit.
    @Test(arguments: [ScorerStrategy.direct, .sharedPrefix, .jointMarginal])
    func aLargeBatchKeepsOnlyAboutATokenBudgetOfCache(strategy: ScorerStrategy) throws {
        let requests = Self.requests(12, length: 300, sharedContext: strategy == .sharedPrefix)
        let big = try Self.model()
        let batched = try makeScorer(strategy, batchSize: 16).score(requests, model: big)
        // The pool starts with room for 512 tokens and grows by half when full; all 12 at once need 3,600.
        let usage = big.kvCacheUsage
        #expect(usage.blockCapacity * usage.blockSize < 2_048, "\(strategy): \(usage)")
        #expect(big.kvCacheUsage.blocksInUse == 0)
        let alone = try Self.model()
        let single = try makeScorer(strategy, batchSize: 1).score(requests, model: alone)
        #expect(batched.map(\.tokenLogProbs) == single.map(\.tokenLogProbs))
        #expect(batched.map(\.logProb) == single.map(\.logProb))
    }
}
