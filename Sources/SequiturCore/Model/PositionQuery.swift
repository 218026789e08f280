/// What a caller wants to know about the next-token distribution at one position.
///
/// The backend computes `log softmax(logits)` in float32 with the maximum subtracted and returns only what is
/// asked, so a 49,152-entry row need not leave the device unless `fullRow` is set. The argmax and its
/// log-prob always come back: they are free once the row's maximum is known and decoders and `isGreedy`
/// need them.
public struct PositionQuery: Sendable, Hashable {
    /// Tokens whose log-probs are wanted (the next token of a scored continuation, say).
    public var targets: [TokenID]
    /// How many of the most likely tokens to return, best first (0 for none).
    public var topK: Int
    /// Return the whole normalised row.
    public var fullRow: Bool

    public init(targets: [TokenID] = [], topK: Int = 0, fullRow: Bool = false) {
        self.targets = targets
        self.topK = topK
        self.fullRow = fullRow
    }

    /// Only the log-prob of `token` (and the argmax).
    public static func target(_ token: TokenID) -> PositionQuery { PositionQuery(targets: [token]) }
    /// Only the argmax.
    public static let argmax = PositionQuery()
    /// The whole normalised row.
    public static let full = PositionQuery(fullRow: true)
}

/// The answer to a `PositionQuery`: normalised log-probs, never raw logits.
public struct PositionLogProbs: Sendable, Equatable {
    /// The most likely token (the lowest id among equal maxima).
    public var argmax: TokenID
    public var argmaxLogProb: Float
    /// Log-probs of `PositionQuery.targets`, in the same order.
    public var targetLogProbs: [Float]
    /// The `topK` most likely tokens, best first; ties broken by the lower id.
    public var topK: [TokenLogProb]
    /// The whole row when `fullRow` was asked, else empty.
    public var fullRow: [Float]
    /// `log Σ_j exp(logit_j)`, what the row's logits were shifted by: `fullRow[i] + logNormalizer` is token
    /// `i`'s raw logit, which is what transformers' greedy and sampling searches hand their logit processors.
    /// 0 for models that produce log-probs directly (their log-probs are valid logits).
    public var logNormalizer: Float

    public init(argmax: TokenID, argmaxLogProb: Float, targetLogProbs: [Float] = [],
                topK: [TokenLogProb] = [], fullRow: [Float] = [], logNormalizer: Float = 0) {
        self.argmax = argmax
        self.argmaxLogProb = argmaxLogProb
        self.targetLogProbs = targetLogProbs
        self.topK = topK
        self.fullRow = fullRow
        self.logNormalizer = logNormalizer
    }
}

/// A token with its log-prob.
public struct TokenLogProb: Sendable, Hashable {
    public var token: TokenID
    public var logProb: Float
    public init(token: TokenID, logProb: Float) {
        self.token = token
        self.logProb = logProb
    }
}
