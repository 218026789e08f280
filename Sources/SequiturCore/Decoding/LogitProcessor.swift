/// Adjusts next-token log-probs before a decoder chooses: repetition penalties, banned tokens, masks for
/// constrained output. The second plugin axis beside decoders.
///
/// ```swift
/// var row = answer.fullRow                                   // normalised log-probs from the model
/// for p in request.processors { p.process(&row, history: state.tokens) }
/// let next = decoder.choose(from: row)
/// ```
///
/// A decoder that has processors asks the model for full rows; one without processors never moves full rows
/// off the device. Scores of returned hypotheses stay the model's own log-probs: processors steer the choice,
/// they do not rewrite `log Pr(y | x)`.
public protocol LogitProcessor {
    /// Adjusts `logProbs` (one entry per vocabulary token) given the tokens so far. Set an entry to `-.infinity`
    /// to forbid a token.
    func process(_ logProbs: inout [Float], history: [TokenID])
}
