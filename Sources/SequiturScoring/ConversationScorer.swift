import SequiturCore

/// Scores the assistant turns of chat conversations: for each assistant turn `k`, `log Pr(y_k | history)`, where
/// the history is everything rendered before it (system and user turns, earlier replies, template markup), and the
/// total over all turns, which is the SFT objective (the negated, unnormalised SFT loss of the conversation).
///
/// Each conversation is rendered once with its chat template and run through the model in **one forward pass**;
/// only the positions that predict an assistant token ask for a log-prob (a target query, never a full row), so
/// system, user and markup tokens cost the same as in plain scoring and are excluded exactly as a loss mask would
/// exclude them. Which tokens a turn covers, and whether its end-of-turn marker (`<|im_end|>`) is one of them, is
/// documented on `ConversationLayout`; `includeEndOfTurn` defaults to true, as in SFT practice.
///
/// ```swift
/// let scorer = ConversationScorer()
/// let scores = try scorer.score([messages], renderer: renderer, model: model)
/// print(scores[0].totalLogProb, scores[0].turns.map(\.logProb))
/// ```
///
/// Conversations are batched, `batchSize` per `LanguageModel.extend` call, like `DirectScorer`'s requests, so
/// tokens/s match plain scoring. To report a bad input by its line before any model work, build the layouts
/// first (`layout(_:renderer:)`) and score them with `score(layouts:model:)`.
public struct ConversationScorer: Sendable {
    /// Whether each turn's end-of-turn marker is scored with its content (see `ConversationLayout`).
    public let includeEndOfTurn: Bool
    /// Conversations per `extend` call (values below 1 act as 1).
    public let batchSize: Int

    public init(includeEndOfTurn: Bool = true, batchSize: Int = 16) {
        self.includeEndOfTurn = includeEndOfTurn
        self.batchSize = effectiveBatchSize(batchSize)
    }

    /// The turn spans of one conversation; throws the `ConversationError` that makes it unscoreable.
    public func layout(_ messages: [ChatMessage], renderer: any ConversationRenderer) throws -> ConversationLayout {
        try ConversationLayout(messages: messages, renderer: renderer, includeEndOfTurn: includeEndOfTurn)
    }

    /// Scores each conversation; an unscoreable one throws `ConversationError.inConversation` with its index,
    /// before any model work.
    public func score(_ conversations: [[ChatMessage]], renderer: any ConversationRenderer,
                      model: any LanguageModel) throws -> [ConversationScore] {
        let layouts = try conversations.enumerated().map { index, messages in
            do {
                return try layout(messages, renderer: renderer)
            } catch let error as ConversationError {
                throw ConversationError.inConversation(index: index, error)
            }
        }
        return try score(layouts: layouts, model: model)
    }

    /// Scores laid-out conversations: one pass each over its tokens up to the last scored one, `batchSize`
    /// conversations per `extend` call. A conversation longer than the model's context length is not truncated:
    /// the model's `LanguageModelError.contextOverflow` is thrown.
    public func score(layouts: [ConversationLayout], model: any LanguageModel) throws -> [ConversationScore] {
        var scores: [ConversationScore?] = Array(repeating: nil, count: layouts.count)
        try BatchedExtension.run(
            count: layouts.count, batchSize: batchSize, model: model,
            request: { i in Self.pass(layouts[i], state: model.makeState()) },
            consume: { i, _, result in scores[i] = try Self.collect(layouts[i], result: result) })
        return scores.map { $0! }   // BatchedExtension consumes every index exactly once
    }

    /// Feeds `tokens[0 ..< fedTokenCount]`, asking at position `p` for `tokens[p + 1]` when that token is scored.
    private static func pass(_ layout: ConversationLayout, state: SequenceState) -> ExtensionRequest {
        let tokens = layout.tokens
        var queries = [PositionQuery?](repeating: nil, count: layout.fedTokenCount)
        for turn in layout.turns {
            for j in turn.tokenRange { queries[j - 1] = .target(tokens[j]) }
        }
        return ExtensionRequest(state: state, tokens: Array(tokens[..<layout.fedTokenCount]), queries: queries)
    }

    private static func collect(_ layout: ConversationLayout, result: ExtensionResult) throws -> ConversationScore {
        let tokens = layout.tokens
        let turns = try layout.turns.map { turn in
            let factors = try turn.tokenRange.map { j in try TokenFactor(result.answers[j - 1], target: tokens[j]) }
            return AssistantTurnScore(span: turn, tokens: Array(tokens[turn.tokenRange]),
                                      result: ScoringResult(id: "", factors: factors))
        }
        return ConversationScore(turns: turns, tokenCount: tokens.count, fedTokenCount: layout.fedTokenCount)
    }
}

/// The scores of one conversation's assistant turns.
public struct ConversationScore: Sendable, Equatable {
    /// One per assistant message, in order.
    public var turns: [AssistantTurnScore]
    /// Tokens in the rendered conversation.
    public var tokenCount: Int
    /// Tokens the model was fed to score it (for tokens/s).
    public var fedTokenCount: Int

    /// `Σ_k log Pr(y_k | history_k)`: the SFT objective, summed in double precision in turn order.
    public var totalLogProb: Double { turns.reduce(0) { $0 + $1.logProb } }
    /// Scored tokens over all turns.
    public var scoredTokenCount: Int { turns.reduce(0) { $0 + $1.tokens.count } }
}

/// One assistant turn's score: `log Pr(y_k | history_k) = Σ_j log Pr(y_kj | history_k, y_k<j)`.
public struct AssistantTurnScore: Sendable, Equatable {
    /// Index of the assistant message in the conversation.
    public var messageIndex: Int
    /// The scored tokens' `[start, end)` in the rendered conversation's tokens.
    public var tokenRange: Range<Int>
    /// The scored tokens.
    public var tokens: [TokenID]
    /// Their log-probs, one per token.
    public var tokenLogProbs: [Float]
    /// Their sum in double precision.
    public var logProb: Double
    /// Every scored token was the model's argmax at its position.
    public var isGreedy: Bool

    init(span: AssistantTurnSpan, tokens: [TokenID], result: ScoringResult) {
        messageIndex = span.messageIndex
        tokenRange = span.tokenRange
        self.tokens = tokens
        tokenLogProbs = result.tokenLogProbs
        logProb = result.logProb
        isGreedy = result.isGreedy
    }
}
