/// Why a hypothesis stopped growing.
public enum FinishReason: String, Sendable, Codable, Hashable {
    /// It produced an end token (EOS, end of turn).
    case endToken = "eos"
    /// It reached `maxNewTokens`.
    case length
    /// Its text came to contain a stop string.
    case stopString = "stop"
    /// The search ran out of budget before this hypothesis finished.
    case budget
    /// The caller stopped the decoder before this hypothesis finished: `DecodingRequest.onToken` returned false
    /// or `DecodingRequest.shouldStop` answered true (Ctrl-C, a closed connection).
    case interrupted
    /// The logit processors forbade every next token (a grammar with no continuation from here): the
    /// hypothesis is what came before.
    case noAllowedToken = "no-allowed-token"
    /// It reached `maxNewTokens` while a logit processor still required more (a grammar whose sentence is not
    /// complete): the text is a prefix of an admitted output, not an output.
    case incomplete
}

/// One decoded output `y` for a prompt `x`, with its score `log Pr(y | x) = Σ_i log Pr(y_i | x, y_<i)`.
public struct Hypothesis: Sendable, Equatable {
    /// The generated tokens (the prompt excluded; an end token that finished it included).
    public var tokens: [TokenID]
    /// `log Pr(y_i | x, y_<i)` for each generated token, as the model gave it (before any length penalty or
    /// sampling temperature).
    public var tokenLogProbs: [Float]
    /// The score the decoder ranked by (the sum of `tokenLogProbs`, divided by `length^α` under a length penalty).
    /// Under logit processors that change scores (penalties, bias), beam and exhaustive search rank by the
    /// processed log-probs, so this is their sum, as transformers' `sequences_scores` is; `tokenLogProbs` and
    /// `logProb` stay the model's own.
    public var score: Double
    public var finishReason: FinishReason

    public init(tokens: [TokenID], tokenLogProbs: [Float], score: Double? = nil, finishReason: FinishReason) {
        self.tokens = tokens
        self.tokenLogProbs = tokenLogProbs
        self.score = score ?? tokenLogProbs.reduce(0.0) { $0 + Double($1) }
        self.finishReason = finishReason
    }

    /// `log Pr(y | x)`: the sum of the token log-probs, in double precision.
    public var logProb: Double { tokenLogProbs.reduce(0.0) { $0 + Double($1) } }
}
