/// One sequence to extend in a batched `LanguageModel.extend` call: the state, the tokens to append, and what
/// to report about the next-token distribution at each appended position.
///
/// `queries[i]` asks about the distribution *after* `tokens[i]`, that is `Pr(· | state.tokens + tokens[...i])`.
/// A nil query skips the output head for that position, which is most of the work saved in a prefill that only
/// needs its last position.
public struct ExtensionRequest {
    public var state: SequenceState
    public var tokens: [TokenID]
    public var queries: [PositionQuery?]

    public init(state: SequenceState, tokens: [TokenID], queries: [PositionQuery?]) {
        precondition(queries.count == tokens.count, "one query (or nil) per token")
        self.state = state
        self.tokens = tokens
        self.queries = queries
    }

    /// Appends `tokens` and asks `lastQuery` about the position after the last of them.
    public init(state: SequenceState, tokens: [TokenID], lastQuery: PositionQuery? = .argmax) {
        var queries = [PositionQuery?](repeating: nil, count: tokens.count)
        if !tokens.isEmpty { queries[tokens.count - 1] = lastQuery }
        self.init(state: state, tokens: tokens, queries: queries)
    }
}

/// Answers for one `ExtensionRequest`: `answers[i]` answers `queries[i]` (nil where the query was nil).
public struct ExtensionResult {
    public var answers: [PositionLogProbs?]
    public init(answers: [PositionLogProbs?]) { self.answers = answers }

    /// The answer at the last appended position.
    public var last: PositionLogProbs? { answers.last ?? nil }
}
