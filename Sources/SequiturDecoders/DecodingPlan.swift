import SequiturCore

/// What every decoder checks and works out from a request before it touches the model, and the request's
/// rules applied the same way by every decoder: the prompt is usable, the output fits the context, which tokens
/// and strings end a hypothesis, how logit processors reshape a row, and how a `prefixState` is reused.
///
/// Public so that a decoder written outside this package honours a request exactly as the built-in ones do:
///
/// ```swift
/// func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
///     let plan = try DecodingPlan(request, model: model)          // same checks, same errors
///     return try plan.decodeTokenByToken(model: model, query: plan.query(topK: 1)) { answer, state, processors in
///         // processors: the request's, as they stand on this branch (started on the prompt, told each token)
///         // onLogits: processors see raw logits, as under the built-in greedy and sampling decoders
///         let best = plan.bestTokens(in: answer, history: state.tokens, count: 1, processors: processors, onLogits: true)
///         guard let first = best.first else { throw DecodingError.everyTokenForbidden }  // ends as .noAllowedToken
///         return TokenChoice(token: first.token, logProb: first.modelLogProb)
///     }
/// }
/// ```
///
/// A decoder that grows several hypotheses (beam search) uses the parts instead of the loop: `prefill` for
/// the prompt (forking `prefixState` when there is one), `emptyOutput()` and `GrowingOutput.append` for the
/// stop conditions, `startProcessors()` for a chain it forks per beam, and `bestTokens` or `processed` with
/// each beam's chain for the processors.
public struct DecodingPlan {
    public let request: DecodingRequest
    public let vocabulary: any Vocabulary
    /// The tokens that end a hypothesis (the vocabulary's and `extraEndTokens`, when `stopOnEndToken`).
    public let endTokens: Set<TokenID>
    public let maxNewTokens: Int
    /// Stop strings as UTF-8 bytes (empty strings dropped: they would stop before anything was generated).
    public let stopStrings: [[UInt8]]

    /// Checks `request` against `model` before any model work: an empty prompt, an out-of-range token
    /// (`LanguageModelError.tokenOutOfRange`, as the model itself would throw), `maxNewTokens` below 1, a
    /// prompt plus output longer than the context (`DecodingError.promptTooLong`), and a `prefixState` that
    /// is not a proper prefix of the prompt or is combined with `returnPromptLogProbs`.
    public init(_ request: DecodingRequest, model: any LanguageModel) throws {
        guard !request.prompt.isEmpty else { throw DecodingError.emptyPrompt }
        let vocabularySize = model.vocabulary.count
        func checkRange(_ tokens: [TokenID]) throws {
            if let t = tokens.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
                throw LanguageModelError.tokenOutOfRange(token: t, vocabularySize: vocabularySize)
            }
        }
        try checkRange(request.prompt)
        let maxNew = request.stop.maxNewTokens
        guard maxNew >= 1 else {
            throw DecodingError.invalidParameter(name: "maxNewTokens", message: "must be at least 1, got \(maxNew)")
        }
        // Compared without adding, so a maxNewTokens near Int.max is refused instead of overflowing.
        guard request.prompt.count <= model.contextLength, maxNew <= model.contextLength - request.prompt.count else {
            throw DecodingError.promptTooLong(promptLength: request.prompt.count, maxNewTokens: maxNew,
                                              contextLength: model.contextLength)
        }
        try checkRange(request.stop.extraEndTokens)
        for p in request.processors {
            if let t = p.referencedTokens.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
                throw DecodingError.invalidParameter(
                    name: "processors", message: "\(type(of: p)) names token \(t), outside the vocabulary of \(vocabularySize) tokens")
            }
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
    public var needsFullRows: Bool { !request.processors.isEmpty }

    /// What to ask the model for when the decoder needs the `count` best next tokens: full rows when
    /// processors must see every entry (the best after processing need not be among the model's top `count`),
    /// else only the top `count`, so no full row leaves the device.
    public func query(topK count: Int) -> PositionQuery {
        needsFullRows ? .full : PositionQuery(topK: count)
    }

    /// An empty output, ready to grow.
    public func emptyOutput() -> GrowingOutput {
        GrowingOutput(stopMatcher: StopStringMatcher(stopStrings: stopStrings))
    }

    /// Feeds the prompt to a new state in one extend, asking `lastQuery` after its last token and, when the
    /// request wants prompt log-probs, each prompt token's log-prob given the tokens before it. With a
    /// `prefixState`, the new state is a fork of it and only the rest of the prompt is fed; the prefix itself is
    /// never extended, so one prefix serves many requests.
    public func prefill(model: any LanguageModel, lastQuery: PositionQuery) throws -> Prefill {
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

    /// The request's processors, copied and started on the prompt: one chain per decode, forked per branch
    /// (see `LogitProcessor`). The token-by-token loop keeps one and tells it each chosen token.
    public func startProcessors() -> LogitProcessorChain {
        LogitProcessorChain(request.processors, start: ProcessorStart(prompt: request.prompt, vocabularySize: vocabulary.count,
                                                                      endTokens: endTokens, vocabulary: vocabulary))
    }

    /// A chain started on the prompt that has accepted the tokens of `history` after it: what a caller that
    /// keeps no chain of its own gets. Correct for any processor, at the cost of replaying the branch.
    func replayedProcessors(history: [TokenID]) -> LogitProcessorChain {
        var chain = startProcessors()
        for t in history.dropFirst(request.prompt.count) { chain.accept(t) }
        return chain
    }

    /// The raw logits of a full-row answer (its log-probs plus the row's log-normaliser): what token-by-token
    /// decoders hand their processors, as transformers' greedy and sampling searches do (see `LogitProcessor`).
    public func logits(of answer: PositionLogProbs) -> [Float] {
        let shift = answer.logNormalizer
        return shift == 0 ? answer.fullRow : answer.fullRow.map { $0 + shift }
    }

    /// `row` after `processors` (the branch's chain), in order, given the tokens so far (prompt included).
    public func processed(_ row: [Float], history: [TokenID], processors: LogitProcessorChain) -> [Float] {
        var row = row
        processors.process(&row, history: history)
        return row
    }

    /// `row` after the request's processors, replayed over `history` (prefer passing the branch's chain).
    public func processed(_ row: [Float], history: [TokenID]) -> [Float] {
        processed(row, history: history, processors: replayedProcessors(history: history))
    }

    /// The `count` best allowed next tokens of `answer`, best first: ranked after `processors` (the branch's
    /// chain; `answer` must then hold the full row, see `query(topK:)`, unless every processor only bans tokens
    /// and the query asked for `count` plus the banned count), never a forbidden (`-inf`) or `excluding` token,
    /// ties to the lower id. Each carries the model's own log-prob too, which is what a hypothesis records:
    /// processors steer the choice, they do not rewrite `log Pr(y | x)`. Empty when every token is forbidden.
    ///
    /// `onLogits` hands the processors raw logits instead of log-probs (what transformers does outside beam
    /// search, see `LogitProcessor`) and ranks by the log-softmax of the processed logits.
    public func bestTokens(in answer: PositionLogProbs, history: [TokenID], count: Int,
                           processors: LogitProcessorChain, excluding banned: Set<TokenID> = [],
                           onLogits: Bool = false) -> [RankedToken] {
        if processors.needsFullRows || (!processors.isEmpty && !answer.fullRow.isEmpty) {
            var row = processed(onLogits ? logits(of: answer) : answer.fullRow, history: history, processors: processors)
            if onLogits { row = LogProbMath.logSoftmax(row) }
            for t in banned { row[Int(t)] = -.infinity }
            return RowSelection.topK(row, count).map {
                RankedToken(token: $0.token, rankLogProb: $0.logProb, modelLogProb: answer.fullRow[Int($0.token)])
            }
        }
        let banned = processors.isEmpty ? banned : banned.union(processors.bannedTokens(history: history))
        return answer.topK.lazy.filter { !banned.contains($0.token) && $0.logProb > -.infinity }
            .prefix(count).map { RankedToken(token: $0.token, rankLogProb: $0.logProb, modelLogProb: $0.logProb) }
    }

    /// `bestTokens` with the request's processors replayed over `history`: for decoders that keep no chain.
    public func bestTokens(in answer: PositionLogProbs, history: [TokenID], count: Int,
                           excluding banned: Set<TokenID> = []) -> [RankedToken] {
        bestTokens(in: answer, history: history, count: count,
                   processors: replayedProcessors(history: history),
                   excluding: banned)
    }
}

/// A candidate next token: the log-prob it is ranked by (after logit processors) and the model's own.
public struct RankedToken: Sendable, Equatable {
    public let token: TokenID
    public let rankLogProb: Float
    public let modelLogProb: Float

    public init(token: TokenID, rankLogProb: Float, modelLogProb: Float) {
        self.token = token
        self.rankLogProb = rankLogProb
        self.modelLogProb = modelLogProb
    }
}

/// The prompt fed to a new state (a fork of `prefixState` when there is one), with the answer at its last
/// position and, when asked for, the prompt's log-probs.
public struct Prefill {
    public let state: SequenceState
    public let last: PositionLogProbs
    public let promptLogProbs: [Float]?
}

extension DecodingError {
    /// The logit processors set every next token to `-inf`: no decoder can continue.
    public static let everyTokenForbidden = DecodingError.invalidParameter(
        name: "processors", message: "the logit processors forbade every token")
}
