import SequiturCore

/// Takes the most likely token at every step: one `extend` of one token per step, asking the model only for the
/// argmax (full rows only when logit processors must see them).
///
/// Greedy approximates `argmax_y Pr(y | x)` and can miss it: in the seeds' example it takes "warm" (−0.9) and
/// ends on "warm mat" (−2.4) although "plush rug" scores −2.3.
public struct GreedyDecoder: Decoder {
    public static let registryName = "greedy"
    static let summary = "the most likely token at each step (fast; can miss the best sequence)"
    /// Greedy has no parameters of its own: stopping comes from the request's `StopConditions`.
    public static let parameters: [ParameterSpec] = []

    public var name: String { Self.registryName }

    public init() {}

    public init(configuration: DecoderConfiguration) throws {
        _ = try DecoderRegistry.complete(configuration, against: Self.parameters)
    }

    public func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        let startCount = model.processedTokenCount
        let query: PositionQuery = plan.needsFullRows ? .full : .argmax
        let prefill = try plan.prefill(model: model, lastQuery: query)
        let state = prefill.state
        var answer = prefill.last
        var output = plan.emptyOutput()
        while true {
            let (token, logProb) = try choose(answer, plan: plan, history: state.tokens)
            var finish = output.append(token, logProb: logProb, plan: plan)
            if let onToken = request.onToken, !onToken(token, logProb), finish == nil { finish = .stopString }
            if let finish {
                return DecodingResult(hypotheses: [output.hypothesis(finish)], promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            answer = try model.extend([ExtensionRequest(state: state, tokens: [token], lastQuery: query)])[0].last!
        }
    }

    /// The argmax, after the processors when there are any; the log-prob reported is always the model's own.
    private func choose(_ answer: PositionLogProbs, plan: DecodingPlan,
                        history: [TokenID]) throws -> (TokenID, Float) {
        guard plan.needsFullRows else { return (answer.argmax, answer.argmaxLogProb) }
        guard let token = RowSelection.argmax(plan.processed(answer.fullRow, history: history)) else {
            throw DecodingError.invalidParameter(name: "processors", message: "the logit processors forbade every token")
        }
        return (token, answer.fullRow[Int(token)])
    }
}
