import SequiturCore
import SequiturScoring
import SequiturTesting
import Testing

func randomTokens(_ count: Int, vocabularySize: Int, using rng: inout SplitMix64) -> [TokenID] {
    (0..<count).map { _ in TokenID(Int.random(in: 0..<vocabularySize, using: &rng)) }
}

/// A mix of requests that stresses the scorers: shared contexts, exact duplicates, length-1 contexts and
/// continuations, empty continuations, and contexts that are prefixes of other contexts.
func mixedRequests(count: Int, vocabularySize: Int, seed: UInt64) -> [ScoringRequest] {
    var rng = SplitMix64(seed: seed)
    var contexts: [[TokenID]] = []
    var requests: [ScoringRequest] = []
    for i in 0..<count {
        let context: [TokenID]
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<4 where !contexts.isEmpty: context = contexts.randomElement(using: &rng)!       // shared
        case 4: context = randomTokens(1, vocabularySize: vocabularySize, using: &rng)          // length 1
        case 5 where !contexts.isEmpty:                                                          // prefix of another
            let c = contexts.randomElement(using: &rng)!
            context = Array(c.prefix(Int.random(in: 1...c.count, using: &rng)))
        default: context = randomTokens(Int.random(in: 1...24, using: &rng), vocabularySize: vocabularySize, using: &rng)
        }
        contexts.append(context)
        let continuation: [TokenID]
        if i > 0, Int.random(in: 0..<12, using: &rng) == 0 {
            continuation = requests.randomElement(using: &rng)!.continuation                    // maybe a duplicate
        } else {
            let lengths = [0, 1, 1, 2, 3, 5, 8, 13]
            continuation = randomTokens(lengths.randomElement(using: &rng)!, vocabularySize: vocabularySize, using: &rng)
        }
        requests.append(ScoringRequest(id: "r\(i)", context: context, continuation: continuation))
    }
    return requests
}

/// `log Pr(y | x)` factors straight from the toy model's reference rows, one row per continuation token.
func bruteForceFactors(_ request: ScoringRequest, model: PrefixHashLanguageModel) -> [(logProb: Float, greedy: Bool)] {
    request.continuation.indices.map { j in
        let row = model.logProbRow(after: request.context + request.continuation[..<j])
        let y = Int(request.continuation[j])
        let best = row.indices.max { row[$0] != row[$1] ? row[$0] < row[$1] : $0 > $1 }!
        return (row[y], best == y)
    }
}

/// A `LanguageModel` that forwards to another and records every `extend` call, to check how scorers use the
/// model (batch sizes, what they ask).
final class RecordingLanguageModel: LanguageModel {
    let inner: any LanguageModel
    private(set) var calls: [[ExtensionRequest]] = []

    init(_ inner: any LanguageModel) { self.inner = inner }

    var vocabulary: any Vocabulary { inner.vocabulary }
    var contextLength: Int { inner.contextLength }
    var processedTokenCount: Int { inner.processedTokenCount }
    func makeState() -> SequenceState { inner.makeState() }
    func extend(_ requests: [ExtensionRequest]) throws -> [ExtensionResult] {
        calls.append(requests)
        return try inner.extend(requests)
    }

    var allQueries: [PositionQuery] { calls.flatMap { $0.flatMap { $0.queries.compactMap { $0 } } } }
}

/// Scores every request alone and all of them in one batch, with `scorer`, and checks that each request's
/// factors, total and greedy flag are bitwise identical. Holds for any model whose `extend` is batch-invariant,
/// as `LanguageModel` requires; reusable with a real model. Without `requests`, 16 mixed requests (shared
/// contexts, duplicates, lengths 0 to 13) over the model's vocabulary are used.
func assertBatchInvariance(model: any LanguageModel, scorer: any Scorer, requests: [ScoringRequest]? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let requests = requests ?? mixedRequests(count: 16, vocabularySize: model.vocabulary.count, seed: 16)
    let together = try scorer.score(requests, model: model)
    #expect(together.map(\.id) == requests.map(\.id), sourceLocation: sourceLocation)
    for (request, batched) in zip(requests, together) {
        let alone = try scorer.score([request], model: model)[0]
        #expect(alone.tokenLogProbs.map(\.bitPattern) == batched.tokenLogProbs.map(\.bitPattern),
                "\(scorer.name): factors of \(request.id) depend on the batch", sourceLocation: sourceLocation)
        #expect(alone.logProb.bitPattern == batched.logProb.bitPattern,
                "\(scorer.name): total of \(request.id) depends on the batch", sourceLocation: sourceLocation)
        #expect(alone.isGreedy == batched.isGreedy, sourceLocation: sourceLocation)
    }
}

func allScorers(batchSize: Int = 4) -> [any Scorer] { ScorerStrategy.allCases.map { makeScorer($0, batchSize: batchSize) } }
