import SequiturCore

/// transformers' `RepetitionPenaltyLogitsProcessor`: every token already in prompt + output has its score
/// divided by `penalty` when positive and multiplied by it when negative (`penalty > 1` discourages
/// repetition). The scores it sees are log-probs (see `LogitProcessor`), which are never positive, so here a
/// seen token's log-prob is multiplied by `penalty` — exactly what transformers' beam search does, since it
/// applies processors to `log_softmax` scores; transformers' greedy search applies it to raw logits instead.
public struct RepetitionPenaltyProcessor: LogitProcessor {
    public static let registryName = "repetition-penalty"
    static let summary = "divides positive / multiplies negative scores of tokens already seen (transformers' repetition_penalty)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("penalty", .number, default: 1.0, help: "> 0; above 1 discourages repeating a token, 1 is off"),
    ]

    public let penalty: Float

    public init(penalty: Double) throws {
        guard penalty > 0, penalty.isFinite else {
            throw DecodingError.invalidParameter(name: "penalty", message: "must be a positive number, got \(penalty)")
        }
        self.penalty = Float(penalty)
    }

    public init(configuration: ProcessorConfiguration) throws {
        try self.init(penalty: try configuration.number("penalty"))
    }

    public func process(_ logProbs: inout [Float], history: [TokenID]) {
        for t in Set(history) where Int(t) < logProbs.count {
            let s = logProbs[Int(t)]
            logProbs[Int(t)] = s < 0 ? s * penalty : s / penalty
        }
    }
}
