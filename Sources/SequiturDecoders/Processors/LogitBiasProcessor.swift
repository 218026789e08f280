import SequiturCore

/// Adds a fixed bias to chosen tokens' scores (OpenAI's `logit_bias`): a token id → bias map, `-100` or
/// `-inf` in effect bans a token and a large positive bias all but forces it.
public struct LogitBiasProcessor: LogitProcessor {
    public static let registryName = "logit-bias"
    static let summary = "adds a bias to chosen tokens' scores (OpenAI logit_bias: token id → bias)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("bias", .integerToNumber, default: .object([:]), help: "token id → number added to its score"),
    ]

    public let bias: [TokenID: Float]

    public init(bias: [TokenID: Float]) throws {
        if let bad = bias.first(where: { $0.value.isNaN }) {
            throw DecodingError.invalidParameter(name: "bias", message: "token \(bad.key)'s bias is not a number")
        }
        self.bias = bias
    }

    public init(configuration: ProcessorConfiguration) throws {
        var bias: [TokenID: Float] = [:]
        for (id, b) in try configuration.integerToNumber("bias") {
            guard let token = TokenID(exactly: id) else {
                throw DecodingError.invalidParameter(name: "bias", message: "\(id) is not a token id")
            }
            bias[token] = Float(b)
        }
        try self.init(bias: bias)
    }

    public var referencedTokens: [TokenID] { Array(bias.keys) }

    public func process(_ logProbs: inout [Float], history: [TokenID]) {
        for (t, b) in bias where Int(t) < logProbs.count { logProbs[Int(t)] += b }
    }
}
