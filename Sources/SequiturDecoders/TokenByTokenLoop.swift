import SequiturCore

extension DecodingPlan {
    /// The loop of decoders that grow one hypothesis a token at a time (greedy, sampling): prefill, then
    /// choose a token, stream it, check the stop conditions, and feed it back in one single-token extend,
    /// asking `query` each time. Nothing is fed after the last token.
    ///
    /// `choose` gets the answer after the last token and the tokens so far, and returns the token with the
    /// model's own log-prob of it. An `onToken` that returns false ends the hypothesis as `.stopString`.
    func decodeTokenByToken(model: any LanguageModel, query: PositionQuery,
                            choose: (PositionLogProbs, [TokenID]) throws -> (TokenID, Float)) throws -> DecodingResult {
        let startCount = model.processedTokenCount
        let prefill = try prefill(model: model, lastQuery: query)
        let state = prefill.state
        var answer = prefill.last
        var output = emptyOutput()
        while true {
            let (token, logProb) = try choose(answer, state.tokens)
            var finish = output.append(token, logProb: logProb, plan: self)
            if let onToken = request.onToken, !onToken(token, logProb), finish == nil { finish = .stopString }
            if let finish {
                return DecodingResult(hypotheses: [output.hypothesis(finish)], promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            answer = try model.extend([ExtensionRequest(state: state, tokens: [token], lastQuery: query)])[0].last!
        }
    }
}
