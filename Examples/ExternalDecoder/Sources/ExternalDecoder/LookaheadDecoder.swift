import Sequitur

/// Greedy with one token of lookahead: at each step it takes the `width` best next tokens, looks one token past
/// each (all candidates in one batched extend, each on its own fork of the current state), and keeps the token
/// whose best two-token continuation is most likely. It finds "plush rug" where greedy takes "warm mat", for
/// `width` times the work; with `width` 1 it is greedy.
///
/// It is built from the public decoder kit, so it honours a request exactly as the built-in decoders do:
/// `DecodingPlan` checks the request (same errors) and feeds the prompt from `prefixState` when there is one;
/// `bestTokens` applies the logit processors, with the chain the loop keeps for this branch (and never picks a
/// forbidden token); `decodeTokenByToken` applies
/// the stop conditions (end tokens, stop strings, `maxNewTokens`) and calls `onToken` once per token.
struct LookaheadDecoder: Decoder {
    let width: Int
    var name: String { "lookahead" }
    /// The token-by-token loop calls `onToken` for it.
    var capabilities: DecoderCapabilities { .streamsTokens }

    init(width: Int) throws {
        guard width >= 1 else {
            throw DecodingError.invalidParameter(name: "width", message: "must be at least 1, got \(width)")
        }
        self.width = width
    }

    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        let plan = try DecodingPlan(request, model: model)
        // The top `width` tokens at every position (whole rows when processors must see them).
        let query = plan.query(topK: width)
        // `processors` is the request's processors as they stand on this branch; a lookahead fork takes a copy
        // that has accepted its candidate, so a stateful processor sees the tokens of the path it scores.
        return try plan.decodeTokenByToken(model: model, query: query) { answer, state, processors in
            let candidates = plan.bestTokens(in: answer, history: state.tokens, count: width, processors: processors)
            guard !candidates.isEmpty else { throw DecodingError.everyTokenForbidden }
            let forks = candidates.map { _ in state.fork() }
            let ahead = try model.extend(zip(forks, candidates).map {
                ExtensionRequest(state: $0, tokens: [$1.token], lastQuery: query)
            }).map { $0.last! }
            // Ranked as the processors see it. An end token has nothing after it: its score is its own log-prob.
            let scores = candidates.indices.map { i -> Double in
                let first = Double(candidates[i].rankLogProb)
                if plan.endTokens.contains(candidates[i].token) { return first }
                let second = plan.bestTokens(in: ahead[i], history: forks[i].tokens, count: 1,
                                             processors: processors.accepting(candidates[i].token)).first
                return first + Double(second?.rankLogProb ?? -.infinity)
            }
            let pick = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
            // The chosen fork already holds the token and the answer after it: the loop continues from it.
            return TokenChoice(token: candidates[pick].token, logProb: candidates[pick].modelLogProb,
                               continuation: (forks[pick], ahead[pick]))
        }
    }
}
