import SequiturCore

/// transformers' `SequenceBiasLogitsProcessor` (`generate(sequence_bias=...)`): a bias added to a sequence's last
/// token wherever prompt + output end with the rest of it; a one-token sequence is biased at every step. Biases
/// of sequences ending in the same token add up. As in transformers, a sequence is only considered once prompt +
/// output are at least as long as the whole sequence.
public struct SequenceBiasProcessor: LogitProcessor {
    public static let registryName = "sequence-bias"
    static let summary = "adds a bias to token sequences (transformers' sequence_bias)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("biases", .sequenceBiases, default: .array([]),
                      help: "{tokens: [ids], bias: x}: x added to the last id after the others"),
    ]

    public let biases: [(tokens: [TokenID], bias: Float)]

    public init(biases: [(tokens: [TokenID], bias: Float)]) throws {
        for (i, entry) in biases.enumerated() {
            guard !entry.tokens.isEmpty else {
                throw DecodingError.invalidParameter(name: "biases[\(i)].tokens", message: "a biased sequence needs at least one token")
            }
            guard entry.bias.isFinite else {
                throw DecodingError.invalidParameter(name: "biases[\(i)].bias", message: "must be a finite number, got \(entry.bias)")
            }
        }
        self.biases = biases
    }

    public init(configuration: ProcessorConfiguration) throws {
        let entries = try configuration.sequenceBiases("biases")
        try self.init(biases: try entries.enumerated().map { i, entry in
            let tokens = try entry.tokens.map {
                guard let t = TokenID(exactly: $0) else {
                    throw DecodingError.invalidParameter(name: "biases[\(i)].tokens", message: "\($0) is not a token id")
                }
                return t
            }
            return (tokens, Float(entry.bias))
        })
    }

    public var referencedTokens: [TokenID] { biases.flatMap(\.tokens) }

    public func process(_ logProbs: inout [Float], history: [TokenID]) {
        for (tokens, bias) in biases where history.count >= tokens.count {
            guard history.suffix(tokens.count - 1).elementsEqual(tokens.dropLast()), Int(tokens.last!) < logProbs.count else {
                continue
            }
            logProbs[Int(tokens.last!)] += bias
        }
    }
}
