import SequiturCore

/// Takes the most likely token at every step: one `extend` of one token per step, asking the model only for the
/// argmax (full rows only when logit processors must see them).
///
/// Greedy approximates `argmax_y Pr(y | x)` and can miss it: in the seeds' example it takes "warm" (−0.9) and
/// ends on "warm mat" (−2.4) although "plush rug" scores −2.3. Tokens stream to `DecodingRequest.onToken` as
/// they are chosen; when it returns false the hypothesis ends there with finish reason `.interrupted`.
public struct GreedyDecoder: Decoder {
    public static let registryName = "greedy"
    static let summary = "the most likely token at each step (fast; can miss the best sequence)"
    public static let capabilities: DecoderCapabilities = .streamsTokens
    /// Greedy has no parameters of its own: stopping comes from the request's `StopConditions`.
    public static let parameters: [ParameterSpec] = []

    public var name: String { Self.registryName }
    public var capabilities: DecoderCapabilities { Self.capabilities }

    public init() {}

    public init(configuration: DecoderConfiguration) throws {
        _ = try DecoderRegistry.complete(configuration, against: Self.parameters)
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        return try plan.decodeTokenByToken(model: model, query: plan.needsFullRows ? .full : .argmax) {
            try choose($0, plan: plan, history: $1.tokens, processors: $2)
        }
    }

    /// The argmax, after the processors (applied to the raw logits, as transformers' greedy search does) when
    /// there are any; the log-prob reported is always the model's own.
    private func choose(_ answer: PositionLogProbs, plan: DecodingPlan,
                        history: [TokenID], processors: LogitProcessorChain) throws -> TokenChoice {
        guard plan.needsFullRows else { return TokenChoice(token: answer.argmax, logProb: answer.argmaxLogProb) }
        guard let token = RowSelection.argmax(plan.processed(plan.logits(of: answer), history: history, processors: processors)) else {
            throw DecodingError.everyTokenForbidden
        }
        return TokenChoice(token: token, logProb: answer.fullRow[Int(token)])
    }
}
