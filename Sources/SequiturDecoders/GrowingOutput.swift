import SequiturCore

/// A hypothesis being grown one token at a time: its tokens, their model log-probs, and the decoded bytes that
/// stop strings are matched on. `append` applies the request's stop conditions in the order every decoder
/// uses (end token, then stop string, then the token limit), so finish reasons agree across decoders.
///
/// A value: copying it (one copy per beam or search node) copies the stop-string matcher's progress with it.
public struct GrowingOutput {
    public private(set) var tokens: [TokenID] = []
    public private(set) var logProbs: [Float] = []
    private var stopMatcher: StopStringMatcher

    /// An empty output; `DecodingPlan.emptyOutput()` makes one with the request's stop strings.
    public init(stopMatcher: StopStringMatcher) {
        self.stopMatcher = stopMatcher
    }

    /// Appends `token` with the model's log-prob of it and says whether that finished the hypothesis, and why.
    /// `complete` says whether the branch's processors, having accepted `token`, let it end here
    /// (`LogitProcessorChain.permitsFinish`): reaching the token limit otherwise finishes it as `.incomplete`.
    public mutating func append(_ token: TokenID, logProb: Float, plan: DecodingPlan,
                                complete: @autoclosure () -> Bool = true) -> FinishReason? {
        tokens.append(token)
        logProbs.append(logProb)
        if plan.endTokens.contains(token) { return .endToken }
        if stopMatcher.append(plan.vocabulary.bytes(of: token)) { return .stopString }
        if tokens.count >= plan.maxNewTokens { return complete() ? .length : .incomplete }
        return nil
    }

    /// The finished hypothesis; `score` defaults to the sum of the log-probs (decoders with a length penalty
    /// pass their own).
    public func hypothesis(_ reason: FinishReason, score: Double? = nil) -> Hypothesis {
        Hypothesis(tokens: tokens, tokenLogProbs: logProbs, score: score, finishReason: reason)
    }
}
