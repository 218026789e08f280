/// Computes the conditional log-probability of a continuation `y` given a context `x`:
///
///     log Pr(y | x) = log Pr([x, y]) − log Pr(x) = Σ_{i} log Pr(y_i | x, y_<i)
///
/// The first form is the seed's joint-minus-marginal formula (two passes); the second needs one pass over the
/// concatenation `[x, y]`, summing only `y`'s positions. Every scorer returns the same numbers (to 1e-4), and a
/// request's result does not depend on the batch it is in.
///
/// ```swift
/// let scorer: any Scorer = SharedPrefixScorer()
/// let results = try scorer.score([ScoringRequest(id: "a", context: x, continuation: y)], model: model)
/// print(results[0].logProb, results[0].isGreedy)
/// ```
public protocol Scorer {
    var name: String { get }
    /// One result per request, in request order.
    func score(_ requests: [ScoringRequest], model: any LanguageModel) throws -> [ScoringResult]
}

/// Errors scorers raise.
public enum ScoringError: Error, CustomStringConvertible, Equatable {
    case emptyContext(id: String)

    public var description: String {
        switch self {
        case let .emptyContext(id):
            return "request \(id): the context is empty, so the first continuation token has no conditional probability (give at least one context token, e.g. BOS)"
        }
    }
}
