/// A prompt `x` to decode from, and how.
public struct DecodingRequest {
    public var prompt: [TokenID]
    public var stop: StopConditions
    /// Also return `log Pr(x_i | x_<i)` for the prompt's tokens (the first has none and is omitted).
    public var returnPromptLogProbs: Bool
    /// Visit the next-token log-probs before the decoder chooses (penalties, masks, bans), in order.
    public var processors: [any LogitProcessor]
    /// Called with each token as it is chosen, by decoders that produce one hypothesis token by token (greedy,
    /// sampling). Return false to stop early.
    public var onToken: ((TokenID, Float) -> Bool)?

    public init(prompt: [TokenID], stop: StopConditions = StopConditions(), returnPromptLogProbs: Bool = false,
                processors: [any LogitProcessor] = [], onToken: ((TokenID, Float) -> Bool)? = nil) {
        self.prompt = prompt
        self.stop = stop
        self.returnPromptLogProbs = returnPromptLogProbs
        self.processors = processors
        self.onToken = onToken
    }
}

/// The n-best outputs of a decoder, best first.
public struct DecodingResult: Sendable {
    public var hypotheses: [Hypothesis]
    /// Prompt log-probs, when asked for.
    public var promptLogProbs: [Float]?
    /// Exact search's statement about optimality (nil for heuristic decoders).
    public var certificate: SearchCertificate?
    /// Model forward work spent (tokens processed), for comparing decoders' cost.
    public var processedTokens: Int

    public init(hypotheses: [Hypothesis], promptLogProbs: [Float]? = nil, certificate: SearchCertificate? = nil,
                processedTokens: Int = 0) {
        self.hypotheses = hypotheses
        self.promptLogProbs = promptLogProbs
        self.certificate = certificate
        self.processedTokens = processedTokens
    }

    public var best: Hypothesis? { hypotheses.first }
}
