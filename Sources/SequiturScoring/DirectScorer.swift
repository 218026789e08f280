import SequiturCore

/// Scores `log Pr(y | x)` in one pass over the concatenation `[x, y]`, summing only `y`'s positions:
///
///     log Pr(y | x) = Σ_{j=0}^{m−1} log Pr(y_j | x, y_<j)
///
/// Each request gets its own fresh state; `batchSize` requests go into each `extend` call. Only targets are
/// asked (never full rows), and only at the positions that predict a continuation token, so context positions
/// skip the output head; the last continuation token is never fed, since nothing is asked after it.
///
/// - An empty continuation scores 0 with no factors and `isGreedy == true` (`Pr(∅ | x) = 1`), without model work.
/// - An empty context throws `ScoringError.emptyContext`: the first continuation token would have no
///   conditional probability. Give at least one context token (BOS, for a model that uses one).
/// - A request longer than the model's context length is not truncated: the model's
///   `LanguageModelError.contextOverflow` is thrown.
public struct DirectScorer: Scorer {
    public let name = "direct"
    /// Requests per `extend` call (values below 1 act as 1).
    public let batchSize: Int

    public init(batchSize: Int = 16) { self.batchSize = effectiveBatchSize(batchSize) }

    public func score(_ requests: [ScoringRequest], model: any LanguageModel) throws -> [ScoringResult] {
        var (results, work) = try requests.startScoring()
        try BatchedExtension.run(
            count: work.count, batchSize: batchSize, model: model,
            request: { k in
                let r = requests[work[k]]
                return targetedPass(state: model.makeState(), sequence: r.context + r.continuation,
                                    firstScored: r.context.count)
            },
            consume: { k, _, result in
                let r = requests[work[k]]
                let f = try factors(of: result, sequence: r.context + r.continuation, firstScored: r.context.count)
                results[work[k]] = ScoringResult(id: r.id, factors: f)
            })
        return results
    }
}
