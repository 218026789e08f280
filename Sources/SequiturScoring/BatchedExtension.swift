import SequiturCore

/// Runs many `ExtensionRequest`s through `LanguageModel.extend`, at most `batchSize` and about
/// `maxBatchTokens` tokens per call.
///
/// Requests are built only when their batch runs, and each state is handed to `consume` and then dropped, so at
/// most one batch of KV caches is alive at a time however many sequences are scored. The token bound is what
/// keeps that batch small: a model's forward pass takes a few hundred tokens at a time whatever the batch, so
/// feeding 64 sequences of 512 tokens in one call is no faster than feeding them two at a time, but it keeps
/// all 64 KV caches alive (1.4 GB on the default model instead of 47 MB). Results never depend on the
/// grouping: the model's answers are batch-invariant.
enum BatchedExtension {
    /// Tokens per call beyond which a batch is cut (a request longer than this goes alone): two of the default
    /// model's 512-token forward passes, so passes stay full.
    static let maxBatchTokens = 1024

    static func run(
        count: Int,
        batchSize: Int,
        model: any LanguageModel,
        request: (Int) throws -> ExtensionRequest,
        consume: (Int, SequenceState, ExtensionResult) throws -> Void
    ) throws {
        var start = 0
        var next: ExtensionRequest? = nil   // built for a batch it did not fit: the next batch's first
        while start < count {
            var requests: [ExtensionRequest] = []
            var tokens = 0
            while start + requests.count < count, requests.count < batchSize {
                let r = try next ?? request(start + requests.count)
                next = nil
                if !admits(taken: requests.count, tokens: tokens, adding: r.tokens.count) {
                    next = r
                    break
                }
                requests.append(r)
                tokens += r.tokens.count
            }
            let results = try model.extend(requests)
            for (offset, (req, result)) in zip(requests, results).enumerated() {
                try consume(start + offset, req.state, result)
            }
            start += requests.count
        }
    }

    /// Whether a batch of `taken` requests holding `tokens` tokens takes one more of `size` tokens (the count
    /// bound is the callers'): always the first, then only within `maxBatchTokens`.
    static func admits(taken: Int, tokens: Int, adding size: Int) -> Bool {
        taken == 0 || tokens + size <= maxBatchTokens
    }

    /// How many of `sizes` (token counts, in order, from the front) form the next batch under the same rule:
    /// at most `batchSize`, and more than one only while the tokens stay within `maxBatchTokens`.
    static func batchLength(_ sizes: ArraySlice<Int>, batchSize: Int) -> Int {
        var taken = 0, tokens = 0
        for size in sizes.prefix(batchSize) {
            if !admits(taken: taken, tokens: tokens, adding: size) { break }
            taken += 1
            tokens += size
        }
        return max(1, min(taken, sizes.count))
    }
}

/// One continuation token's factor: its log-prob and whether it was the argmax at its position.
struct TokenFactor {
    var logProb: Float
    var isArgmax: Bool

    /// The factor for `target`, the `targetIndex`-th target of the query answered by `answer`.
    init(_ answer: PositionLogProbs?, target: TokenID, targetIndex: Int = 0) throws {
        guard let answer, targetIndex < answer.targetLogProbs.count else {
            throw ScoringModelError.missingAnswer(target: target)
        }
        logProb = answer.targetLogProbs[targetIndex]
        isArgmax = answer.argmax == target
    }
}

/// A model broke the `extend` contract (an asked-for target came back missing): a bug in the model, reported
/// rather than trapped on.
enum ScoringModelError: Error, CustomStringConvertible {
    case missingAnswer(target: TokenID)

    var description: String {
        switch self {
        case let .missingAnswer(target):
            return "the language model did not answer the query for target token \(target)"
        }
    }
}

/// A full pass over `sequence` that asks, at every position `p` with `p + 1 >= firstScored`, for the log-prob of
/// the next token `sequence[p + 1]`. The last token is never fed: nothing is asked after it.
func targetedPass(state: SequenceState, sequence: [TokenID], firstScored: Int) -> ExtensionRequest {
    let fed = Array(sequence.dropLast())
    let queries: [PositionQuery?] = fed.indices.map { p in
        p + 1 >= firstScored ? .target(sequence[p + 1]) : nil
    }
    return ExtensionRequest(state: state, tokens: fed, queries: queries)
}

/// The factors a `targetedPass` returned, for `sequence[firstScored...]`.
func factors(of result: ExtensionResult, sequence: [TokenID], firstScored: Int) throws -> [TokenFactor] {
    try (max(firstScored, 1)..<sequence.count).map { i in
        try TokenFactor(result.answers[i - 1], target: sequence[i])
    }
}

extension ScoringResult {
    /// The result for a continuation with the given factors, summed in double precision in token order.
    init(id: String, factors: [TokenFactor]) {
        self.init(id: id,
                  logProb: factors.reduce(0) { $0 + Double($1.logProb) },
                  tokenLogProbs: factors.map(\.logProb),
                  isGreedy: factors.allSatisfy(\.isArgmax))
    }

    /// `Pr(∅ | x) = 1`: log-prob 0, no factors, greedy.
    static func emptyContinuation(id: String) -> ScoringResult {
        ScoringResult(id: id, logProb: 0, tokenLogProbs: [], isGreedy: true)
    }
}

extension Array where Element == ScoringRequest {
    /// Every scorer's precondition: a context token before the first continuation token. Checked for the
    /// whole batch before any model work.
    func validateContexts() throws {
        if let bad = first(where: { $0.context.isEmpty }) { throw ScoringError.emptyContext(id: bad.id) }
    }

    /// The start every scorer shares: validate, fill in the results of empty continuations (which need no model
    /// work), and list the indices of the requests that do need work.
    func startScoring() throws -> (results: [ScoringResult], work: [Int]) {
        try validateContexts()
        return (map { ScoringResult.emptyContinuation(id: $0.id) }, indices.filter { !self[$0].continuation.isEmpty })
    }
}

/// Values below 1 would make no progress; they are treated as 1.
func effectiveBatchSize(_ requested: Int) -> Int { Swift.max(1, requested) }
