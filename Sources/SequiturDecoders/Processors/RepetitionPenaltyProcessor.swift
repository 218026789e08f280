import SequiturCore

/// transformers' `RepetitionPenaltyLogitsProcessor`: every token already in prompt + output has its score
/// divided by `penalty` when positive and multiplied by it when negative (`penalty > 1` discourages
/// repetition). Greedy and sampling hand it raw logits and beam search log-probs (see `LogitProcessor`), as
/// transformers does, so it means under each decoder what `repetition_penalty` means there.
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
