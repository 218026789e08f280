/// `log Pr(y | x)` for one request, with the per-token factors it is the sum of.
public struct ScoringResult: Sendable, Equatable {
    public var id: String
    /// `Σ_i log Pr(y_i | x, y_<i)`, summed in double precision. 0 for an empty continuation (`Pr(∅ | x) = 1`).
    public var logProb: Double
    /// `log Pr(y_i | x, y_<i)` for each continuation token.
    public var tokenLogProbs: [Float]
    /// True when every continuation token was the model's argmax at its position (lm-evaluation-harness's
    /// `is_greedy`); true for an empty continuation.
    public var isGreedy: Bool

    public init(id: String, logProb: Double, tokenLogProbs: [Float], isGreedy: Bool) {
        self.id = id
        self.logProb = logProb
        self.tokenLogProbs = tokenLogProbs
        self.isGreedy = isGreedy
    }

    /// Number of continuation tokens.
    public var tokenCount: Int { tokenLogProbs.count }
}
