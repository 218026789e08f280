import SequiturCore

/// The token a token-by-token decoder chose, with the model's own log-prob of it (before processors or
/// temperature: that is what the hypothesis records).
public struct TokenChoice {
    public var token: TokenID
    public var logProb: Float
    /// A state that already holds the tokens so far plus `token`, and the answer after it, when choosing
    /// computed them (a lookahead extends a fork per candidate): the loop continues from it instead of feeding
    /// `token` again.
    public var continuation: (state: SequenceState, answer: PositionLogProbs)?

    public init(token: TokenID, logProb: Float, continuation: (state: SequenceState, answer: PositionLogProbs)? = nil) {
        self.token = token
        self.logProb = logProb
        self.continuation = continuation
    }
}

extension DecodingPlan {
    /// The loop of decoders that grow one hypothesis a token at a time (greedy, sampling, or one of your own):
    /// prefill the prompt (forking `prefixState` when there is one), then repeatedly choose a token, stream it
    /// to `onToken`, check the stop conditions, and feed it back in one single-token extend asking `query`.
    /// Nothing is fed after the last token, so the work is the prompt (less its prefix) plus one token per step.
    ///
    /// `choose` gets the answer after the last token, the current state (prompt and output so far; its
    /// `tokens` are the processors' history) and the request's processors as they stand on this branch (started
    /// on the prompt, told every token chosen so far: the loop calls `accept` after each choice). It may fork the
    /// state to look ahead but must not extend it. Apply the processors through `bestTokens` or `processed`,
    /// passing the chain. `onToken` is called exactly once per
    /// chosen token, after the token is appended; when it returns false, or `shouldStop` answers true before the
    /// next model call, the hypothesis ends there as `.interrupted` (unless that token finished it anyway). When
    /// `choose` throws `DecodingError.everyTokenForbidden` the hypothesis ends before that step as
    /// `.noAllowedToken`; reaching `maxNewTokens` while a processor does not permit finishing is `.incomplete`.
    ///
    /// Decoders that use the loop stream tokens: declare `DecoderCapabilities.streamsTokens`.
    public func decodeTokenByToken(model: any LanguageModel, query: PositionQuery,
                                   choose: (PositionLogProbs, SequenceState, LogitProcessorChain) throws -> TokenChoice) throws -> DecodingResult {
        let startCount = model.processedTokenCount
        let prefill = try prefill(model: model, lastQuery: query)
        var state = prefill.state
        var answer = prefill.last
        var output = emptyOutput()
        var processors = startProcessors()
        while true {
            let choice: TokenChoice
            do {
                choice = try choose(answer, state, processors)
            } catch let e as DecodingError where e == .everyTokenForbidden {
                // A grammar with no continuation: the hypothesis ends before the token that cannot be chosen.
                return DecodingResult(hypotheses: [output.hypothesis(.noAllowedToken)], promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            processors.accept(choice.token)
            var finish = output.append(choice.token, logProb: choice.logProb, plan: self, complete: processors.permitsFinish)
            if let onToken = request.onToken, !onToken(choice.token, choice.logProb), finish == nil {
                finish = .interrupted
            }
            if finish == nil, request.shouldStop?() == true { finish = .interrupted }
            if let finish {
                return DecodingResult(hypotheses: [output.hypothesis(finish)], promptLogProbs: prefill.promptLogProbs,
                                      processedTokens: model.processedTokenCount - startCount)
            }
            if let continuation = choice.continuation {
                precondition(continuation.state.count == state.count + 1,
                             "a TokenChoice continuation must hold the tokens so far plus the chosen token")
                (state, answer) = continuation
            } else {
                answer = try model.extend([ExtensionRequest(state: state, tokens: [choice.token], lastQuery: query)])[0].last!
            }
        }
    }

    /// The loop for a `choose` that keeps no processor chain: `bestTokens(in:history:count:)` and
    /// `processed(_:history:)` without a chain replay the processors over the branch, which is correct for any
    /// processor but slower than taking the chain the three-argument `choose` is given.
    public func decodeTokenByToken(model: any LanguageModel, query: PositionQuery,
                                   choose: (PositionLogProbs, SequenceState) throws -> TokenChoice) throws -> DecodingResult {
        try decodeTokenByToken(model: model, query: query) { answer, state, _ in try choose(answer, state) }
    }
}
