/// A prompt `x` to decode from, and how.
public struct DecodingRequest {
    public var prompt: [TokenID]
    public var stop: StopConditions
    /// Also return `log Pr(x_i | x_<i)` for the prompt's tokens (the first has none and is omitted).
    public var returnPromptLogProbs: Bool
    /// Visit the next-token log-probs before the decoder chooses (penalties, masks, bans), in order.
    public var processors: [any LogitProcessor]
    /// Called once with each token (and the model's log-prob of it) as it is chosen, by decoders that declare
    /// `DecoderCapabilities.streamsTokens` (greedy, sampling). Return false to stop early: the hypothesis ends
    /// at that token with finish reason `.interrupted`.
    public var onToken: ((TokenID, Float) -> Bool)?
    /// Polled by every built-in decoder before each model call. Once it answers true the decoder stops and
    /// returns what it has: finished hypotheses as they are, unfinished ones with finish reason `.interrupted`,
    /// and exact search a `budgetExhausted` certificate whose reason is "interrupted" (its bound still holds).
    public var shouldStop: (() -> Bool)?
    /// A state that already holds the start of `prompt` (a chat history, say), so the model is fed only the
    /// rest: `prefixState.tokens` must be a proper prefix of `prompt` (at least the last prompt token is fed, for
    /// the next-token distribution). Decoders fork it and never extend it, so one prefix serves many requests.
    /// Results equal a decode from a fresh state, up to the float rounding of computing the prompt in pieces.
    /// Cannot be combined with `returnPromptLogProbs` (the prefix's log-probs are not recomputed). Decoders that
    /// ignore it (none of the built-in ones do) stay correct, only slower; `DecodingPlan.prefill` in SequiturDecoders
    /// honours it for any decoder.
    public var prefixState: SequenceState?

    public init(prompt: [TokenID], stop: StopConditions = StopConditions(), returnPromptLogProbs: Bool = false,
                processors: [any LogitProcessor] = [], onToken: ((TokenID, Float) -> Bool)? = nil,
                shouldStop: (() -> Bool)? = nil, prefixState: SequenceState? = nil) {
        self.prompt = prompt
        self.stop = stop
        self.returnPromptLogProbs = returnPromptLogProbs
        self.processors = processors
        self.onToken = onToken
        self.shouldStop = shouldStop
        self.prefixState = prefixState
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
    /// For decoders that sample several outputs without replacement (stochastic beam search): per hypothesis,
    /// in the same order, an estimate of the probability that a sample of that size includes it, the weights of
    /// an unbiased estimator of expectations. Nil for every other decoder.
    public var inclusionProbabilities: [Double]?

    public init(hypotheses: [Hypothesis], promptLogProbs: [Float]? = nil, certificate: SearchCertificate? = nil,
                processedTokens: Int = 0, inclusionProbabilities: [Double]? = nil) {
        self.hypotheses = hypotheses
        self.promptLogProbs = promptLogProbs
        self.certificate = certificate
        self.processedTokens = processedTokens
        self.inclusionProbabilities = inclusionProbabilities
    }

    public var best: Hypothesis? { hypotheses.first }
}
