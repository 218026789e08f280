import Sequitur

/// Greedy with one token of lookahead: at each step it takes the `width` most likely next tokens, looks one token
/// past each (all candidates in one batched extend, each on its own fork of the current state), and keeps the
/// token whose best two-token continuation is most likely. It finds "plush rug" where greedy takes "warm mat",
/// for `width` times the work.
struct LookaheadDecoder: Decoder {
    let width: Int
    var name: String { "lookahead" }

    init(width: Int) throws {
        guard width >= 1 else {
            throw DecodingError.invalidParameter(name: "width", message: "must be at least 1, got \(width)")
        }
        self.width = width
    }

    func decode(_ request: DecodingRequest, model: any LanguageModel) throws -> DecodingResult {
        guard !request.prompt.isEmpty else { throw DecodingError.emptyPrompt }
        let endTokens = request.stop.endTokens(for: model.vocabulary)
        let start = model.processedTokenCount
        // Each query asks for the top `width` tokens; the argmax and its log-prob come with every answer.
        let query = PositionQuery(topK: width)
        var current = model.makeState()
        var answer = try model.extend([ExtensionRequest(state: current, tokens: request.prompt, lastQuery: query)])[0].last!
        var tokens: [TokenID] = []
        var logProbs: [Float] = []
        while true {
            let candidates = answer.topK
            let forks = candidates.map { _ in current.fork() }
            let ahead = try model.extend(zip(forks, candidates).map {
                ExtensionRequest(state: $0, tokens: [$1.token], lastQuery: query)
            }).map { $0.last! }
            // An end token has nothing after it: its score is its own log-prob.
            let scores = candidates.indices.map { i in
                Double(candidates[i].logProb) + (endTokens.contains(candidates[i].token) ? 0 : Double(ahead[i].argmaxLogProb))
            }
            let pick = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }!
            tokens.append(candidates[pick].token)
            logProbs.append(candidates[pick].logProb)
            let finish: FinishReason? = endTokens.contains(candidates[pick].token) ? .endToken
                : tokens.count >= request.stop.maxNewTokens ? .length : nil
            if let finish {
                return DecodingResult(
                    hypotheses: [Hypothesis(tokens: tokens, tokenLogProbs: logProbs, finishReason: finish)],
                    processedTokens: model.processedTokenCount - start)
            }
            // The chosen fork already holds the token and its answer: nothing is recomputed.
            current = forks[pick]
            answer = ahead[pick]
        }
    }
}
