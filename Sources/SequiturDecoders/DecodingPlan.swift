import SequiturCore

/// What every decoder checks and works out from a request before it touches the model: the prompt is usable,
/// the output fits the context, and which tokens and strings end a hypothesis.
struct DecodingPlan {
    let request: DecodingRequest
    let vocabulary: any Vocabulary
    let endTokens: Set<TokenID>
    let maxNewTokens: Int
    /// Stop strings as UTF-8 bytes (empty strings dropped: they would stop before anything was generated).
    let stopStrings: [[UInt8]]

    init(_ request: DecodingRequest, model: any LanguageModel) throws {
        guard !request.prompt.isEmpty else { throw DecodingError.emptyPrompt }
        let vocabularySize = model.vocabulary.count
        for (i, t) in request.prompt.enumerated() where t < 0 || Int(t) >= vocabularySize {
            throw DecodingError.invalidParameter(
                name: "prompt[\(i)]", message: "token id \(t) is outside the vocabulary of \(vocabularySize) tokens")
        }
        let maxNew = request.stop.maxNewTokens
        guard maxNew >= 1 else {
            throw DecodingError.invalidParameter(name: "maxNewTokens", message: "must be at least 1, got \(maxNew)")
        }
        guard request.prompt.count + maxNew <= model.contextLength else {
            throw DecodingError.promptTooLong(promptLength: request.prompt.count, maxNewTokens: maxNew,
                                              contextLength: model.contextLength)
        }
        for t in request.stop.extraEndTokens where t < 0 || Int(t) >= vocabularySize {
            throw DecodingError.invalidParameter(
                name: "extraEndTokens", message: "token id \(t) is outside the vocabulary of \(vocabularySize) tokens")
        }
        if let prefix = request.prefixState {
            guard prefix.count < request.prompt.count, request.prompt.starts(with: prefix.tokens) else {
                throw DecodingError.invalidParameter(
                    name: "prefixState",
                    message: "its \(prefix.count) tokens must be a proper prefix of the \(request.prompt.count)-token prompt")
            }
            guard !request.returnPromptLogProbs else {
                throw DecodingError.invalidParameter(
                    name: "returnPromptLogProbs", message: "cannot be combined with prefixState (the prefix is not recomputed)")
            }
        }
        self.request = request
        self.vocabulary = model.vocabulary
        self.endTokens = request.stop.endTokens(for: model.vocabulary)
        self.maxNewTokens = maxNew
        self.stopStrings = request.stop.stopStrings.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    /// Whether the next-token rows must come to the host whole: logit processors need every entry.
    var needsFullRows: Bool { !request.processors.isEmpty }

    /// An empty output, ready to grow.
    func emptyOutput() -> GrowingOutput {
        GrowingOutput(stopMatcher: StopStringMatcher(stopStrings: stopStrings))
    }

    /// Feeds the prompt to a new state in one extend, asking `lastQuery` after its last token and, when the
    /// request wants prompt log-probs, each prompt token's log-prob given the tokens before it. With a
    /// `prefixState`, the new state is a fork of it and only the rest of the prompt is fed.
    func prefill(model: any LanguageModel, lastQuery: PositionQuery) throws -> Prefill {
        let prefix = request.prefixState
        let prompt = Array(request.prompt[(prefix?.count ?? 0)...])
        var queries = [PositionQuery?](repeating: nil, count: prompt.count)
        if request.returnPromptLogProbs {
            for i in 0..<(prompt.count - 1) { queries[i] = .target(prompt[i + 1]) }
        }
        queries[prompt.count - 1] = lastQuery
        let state = prefix?.fork() ?? model.makeState()
        let result = try model.extend([ExtensionRequest(state: state, tokens: prompt, queries: queries)])[0]
        let promptLogProbs = request.returnPromptLogProbs
            ? (0..<(prompt.count - 1)).map { result.answers[$0]!.targetLogProbs[0] } : nil
        return Prefill(state: state, last: result.last!, promptLogProbs: promptLogProbs)
    }

    /// `row` after the request's logit processors, given the tokens so far.
    func processed(_ row: [Float], history: [TokenID]) -> [Float] {
        var row = row
        for p in request.processors { p.process(&row, history: history) }
        return row
    }
}

/// The prompt fed to a fresh state, with the answer at its last position.
struct Prefill {
    let state: SequenceState
    let last: PositionLogProbs
    let promptLogProbs: [Float]?
}

/// A hypothesis being grown one token at a time: its tokens, their model log-probs, and the decoded bytes that
/// stop strings are matched on.
struct GrowingOutput {
    private(set) var tokens: [TokenID] = []
    private(set) var logProbs: [Float] = []
    var stopMatcher: StopStringMatcher

    /// Appends `token` and says whether that finished the hypothesis, and why.
    mutating func append(_ token: TokenID, logProb: Float, plan: DecodingPlan) -> FinishReason? {
        tokens.append(token)
        logProbs.append(logProb)
        if plan.endTokens.contains(token) { return .endToken }
        if stopMatcher.append(plan.vocabulary.bytes(of: token)) { return .stopString }
        if tokens.count >= plan.maxNewTokens { return .length }
        return nil
    }

    func hypothesis(_ reason: FinishReason, score: Double? = nil) -> Hypothesis {
        Hypothesis(tokens: tokens, tokenLogProbs: logProbs, score: score, finishReason: reason)
    }
}
