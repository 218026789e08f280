import SequiturCore

/// OpenAI's presence and frequency penalties: a token generated `c` times so far has `c · frequency +
/// (c > 0 ? presence : 0)` subtracted from its score. Only generated tokens count, not the prompt's. The
/// counts are this processor's state, updated by `accept`, so each beam counts its own tokens. Registered
/// twice, as `presence-penalty` and `frequency-penalty`, each setting one of the two.
public struct PresenceFrequencyPenaltyProcessor: LogitProcessor {
    public static let presenceName = "presence-penalty"
    public static let frequencyName = "frequency-penalty"
    static let presenceSummary = "subtracts a penalty from every token generated at least once (OpenAI presence_penalty)"
    static let frequencySummary = "subtracts a penalty times the number of times a token was generated (OpenAI frequency_penalty)"
    public static let presenceParameters: [ParameterSpec] = [
        ParameterSpec("penalty", .number, default: 0.0, help: "subtracted once from any generated token's score (OpenAI: -2…2)"),
    ]
    public static let frequencyParameters: [ParameterSpec] = [
        ParameterSpec("penalty", .number, default: 0.0, help: "subtracted per occurrence from a generated token's score (OpenAI: -2…2)"),
    ]

    public let presence: Float
    public let frequency: Float
    /// How often each token was generated on this branch.
    private var counts: [TokenID: Int] = [:]

    public init(presence: Double = 0, frequency: Double = 0) throws {
        guard presence.isFinite else {
            throw DecodingError.invalidParameter(name: "penalty", message: "must be a finite number, got \(presence)")
        }
        guard frequency.isFinite else {
            throw DecodingError.invalidParameter(name: "penalty", message: "must be a finite number, got \(frequency)")
        }
        self.presence = Float(presence)
        self.frequency = Float(frequency)
    }

    public init(presenceConfiguration c: ProcessorConfiguration) throws {
        try self.init(presence: try c.number("penalty"))
    }

    public init(frequencyConfiguration c: ProcessorConfiguration) throws {
        try self.init(frequency: try c.number("penalty"))
    }

    public mutating func start(_ context: ProcessorStart) { counts = [:] }

    public func process(_ logProbs: inout [Float], history: [TokenID]) {
        for (t, c) in counts where Int(t) < logProbs.count {
            logProbs[Int(t)] -= Float(c) * frequency + presence
        }
    }

    public mutating func accept(_ token: TokenID) { counts[token, default: 0] += 1 }
}
